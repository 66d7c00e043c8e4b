import { type ComponentChildren, createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Backend } from './backend';

const BackendContext = createContext<Backend | null>(null);

/** Makes a {@link Backend} available to every feature below it. */
export function BackendProvider(props: { backend: Backend; children: ComponentChildren }) {
  return <BackendContext.Provider value={props.backend}>{props.children}</BackendContext.Provider>;
}

/** The backend given to the nearest {@link BackendProvider}. */
export function useBackend(): Backend {
  const backend = useContext(BackendContext);
  if (!backend) throw new Error('useBackend() needs a <BackendProvider> above it');
  return backend;
}
