//! Which account and endpoints a CLI command talks to: flags, then environment, then the real Aura hosts.

use std::sync::Arc;

use lifeboat_engine::{ApiCredentials, AuraClient, Endpoints, RequestBudget, Sensitive};

use crate::commands::EndpointArgs;
use crate::output::Failure;

/// Builds the API client from `AURA_CLIENT_ID` / `AURA_CLIENT_SECRET` and the endpoint flags.
pub fn client(args: &EndpointArgs) -> Result<AuraClient, Failure> {
    let id = std::env::var("AURA_CLIENT_ID").ok().filter(|s| !s.is_empty());
    let secret = std::env::var("AURA_CLIENT_SECRET").ok().filter(|s| !s.is_empty());
    let (Some(client_id), Some(secret)) = (id, secret) else {
        return Err(Failure::not_configured(
            "No Aura account is configured. Set AURA_CLIENT_ID and AURA_CLIENT_SECRET (an API key from the Aura console), or try `lifeboat sandbox` for practice data.",
        ));
    };
    let endpoints = endpoints(args);
    let credentials = ApiCredentials { client_id, client_secret: Sensitive::new(secret) };
    AuraClient::new(endpoints, credentials, Arc::new(RequestBudget::default())).map_err(Failure::from)
}

/// The endpoints given by flags or environment (clap reads `LIFEBOAT_*_URL`), defaulting to real Aura.
pub fn endpoints(args: &EndpointArgs) -> Endpoints {
    let defaults = Endpoints::default();
    Endpoints {
        api_url: args.api_url.clone().unwrap_or(defaults.api_url),
        auth_url: args.auth_url.clone().unwrap_or(defaults.auth_url),
        console_url: args.console_url.clone().unwrap_or(defaults.console_url),
        query_url: args.query_url.clone().unwrap_or(defaults.query_url),
    }
}
