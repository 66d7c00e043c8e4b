/** Brings an element to the top of its scrolling pane and moves the keyboard focus there, without a second jump. */
export function bringIntoView(element: HTMLElement | null) {
  if (!element) return;
  // jsdom (the unit tests) has no scrolling; the real webview always does.
  element.scrollIntoView?.({ block: 'start', behavior: 'smooth' });
  element.focus({ preventScroll: true });
}
