//! The short soak, as the test command runs it: ten uploads with seeded random faults, every check passing.

use lifeboat_stress::soak::{run, SoakConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_uploads_with_random_faults_all_end_as_designed() {
    let config = SoakConfig { uploads: 10, seed: 7, file_size: 2 << 20, ..SoakConfig::default() };
    let report = run(config, |line| println!("{line}")).await.expect("the soak runs");
    println!("{}", report.render());
    assert_eq!(report.uploads.len(), 10);
    assert_eq!(report.failures(), 0, "{}", report.render());
    assert!(report.injected() >= 10, "faults were injected: {}", report.injected());
}
