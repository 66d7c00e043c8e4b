import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useBackend } from '../../api';
import { useToast } from '../../components';
import { decideDrop } from '../../lib/files';

/** Hooks for automated tests of the built app (WebDriver cannot perform an OS file drop). */
export type LifeboatAutomation = {
  /** Runs exactly the code a real drop of these paths runs. */
  dropPaths(paths: string[]): void;
};

declare global {
  interface Window {
    __LIFEBOAT_AUTOMATION__?: Partial<LifeboatAutomation> & Record<string, unknown>;
  }
}

/**
 * Where a dropped file goes: the file restore of the selected instance, or an open dialog that takes
 * a file (`modal`: the connect dialog takes the Aura credentials file) while it is open.
 */
export type DropTarget = {
  onFile(path: string): void;
  /** A plain message about the drop ("Drop one file at a time"). */
  onMessage(text: string): void;
  /** An open dialog: it gets drops before any other target while it is registered. */
  modal?: boolean;
};

type FileDropsApi = {
  /** Files are being dragged over the window. */
  hover: boolean;
  /**
   * Makes `target` receive drops until the returned function is called; the previous target gets
   * them again after that. A modal target comes first.
   */
  register(target: DropTarget): () => void;
};

const FileDropsContext = createContext<FileDropsApi | null>(null);

export function useFileDrops(): FileDropsApi {
  const api = useContext(FileDropsContext);
  if (!api) throw new Error('useFileDrops() needs a <FileDropProvider> above it');
  return api;
}

/**
 * Receives files dropped on the window. The shell reports OS drops (with real paths) through a
 * channel, subscribed once at startup; `window.__LIFEBOAT_AUTOMATION__.dropPaths` runs the same
 * handler. A drop with no instance selected, or of several files, gets a plain message. The webview
 * itself never navigates to a dropped file.
 *
 * A file opened with Lifeboat from the desktop (`lifeboat FILE`, "Open with") comes on the same
 * channel as an `open` event. It usually arrives before any instance is shown, so it waits here and
 * goes to the first file restore that registers, as if dropped on it.
 */
export function FileDropProvider({ children }: { children: ComponentChildren }) {
  const backend = useBackend();
  const toast = useToast();
  const [hover, setHover] = useState(false);
  const targets = useRef<DropTarget[]>([]);

  const handleDrop = useCallback(
    (paths: readonly string[]) => {
      setHover(false);
      const registered = targets.current;
      const newestFirst = [...registered].reverse();
      const target = newestFirst.find((t) => t.modal) ?? newestFirst[0] ?? null;
      const decision = decideDrop(Array.isArray(paths) ? paths : [], target !== null);
      if (decision === null) return;
      if ('path' in decision) {
        target?.onFile(decision.path);
      } else if (target) {
        target.onMessage(decision.message);
      } else {
        toast.show({ tone: 'info', message: decision.message, durationMs: 10_000 });
      }
    },
    [toast],
  );
  const handleDropRef = useRef(handleDrop);
  handleDropRef.current = handleDrop;
  /** A file opened from the desktop while no instance was shown. */
  const opened = useRef<string | null>(null);

  const handleOpen = useCallback(
    (paths: readonly string[]) => {
      const decision = decideDrop(Array.isArray(paths) ? paths : [], true);
      if (decision === null) return;
      if (!('path' in decision)) {
        toast.show({ tone: 'info', message: decision.message, durationMs: 10_000 });
      } else {
        // A backup file opened from the desktop is for the file restore, never for an open dialog.
        const restore = [...targets.current].reverse().find((t) => !t.modal);
        if (restore) restore.onFile(decision.path);
        else opened.current = decision.path;
      }
    },
    [toast],
  );
  const handleOpenRef = useRef(handleOpen);
  handleOpenRef.current = handleOpen;

  // The OS drop, from the shell.
  useEffect(() => {
    let live = true;
    backend
      .subscribeFileDrops((event) => {
        if (!live) return;
        if (event.event === 'hover') setHover(true);
        else if (event.event === 'cancel') setHover(false);
        else if (event.event === 'drop') handleDropRef.current(event.data.paths);
        else if (event.event === 'open') handleOpenRef.current(event.data.paths);
      })
      .catch(() => {
        // Without the shell's drops, "Choose file…" still works; nothing to alarm anyone about.
      });
    return () => {
      live = false;
    };
  }, [backend]);

  // Never let the webview open a dropped file in place of the app; and the automation hook.
  useEffect(() => {
    const prevent = (event: Event) => event.preventDefault();
    window.addEventListener('dragover', prevent);
    window.addEventListener('drop', prevent);
    const automation = {
      ...(window.__LIFEBOAT_AUTOMATION__ ?? {}),
      dropPaths: (paths: string[]) => handleDropRef.current(Array.isArray(paths) ? paths : []),
    };
    window.__LIFEBOAT_AUTOMATION__ = automation;
    return () => {
      window.removeEventListener('dragover', prevent);
      window.removeEventListener('drop', prevent);
      if (window.__LIFEBOAT_AUTOMATION__ === automation) {
        const { dropPaths: _, ...rest } = automation;
        window.__LIFEBOAT_AUTOMATION__ = Object.keys(rest).length > 0 ? rest : undefined;
      }
    };
  }, []);

  const register = useCallback((next: DropTarget) => {
    targets.current = [...targets.current, next];
    // A file opened with Lifeboat ("Open with", `lifeboat FILE`) before any target was there goes to the first one.
    const waiting = opened.current;
    if (waiting !== null && !next.modal) {
      opened.current = null;
      next.onFile(waiting);
    }
    return () => {
      targets.current = targets.current.filter((t) => t !== next);
    };
  }, []);

  const api = useMemo<FileDropsApi>(() => ({ hover, register }), [hover, register]);
  return <FileDropsContext.Provider value={api}>{children}</FileDropsContext.Provider>;
}
