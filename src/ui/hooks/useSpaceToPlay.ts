import { useEffect, useRef } from 'react';

/** Elements where Space means something else (typing, pressing, choosing). */
const OWN_SPACE = 'input, textarea, select, button, [contenteditable=""], [contenteditable="true"], [role="switch"], [role="radio"], [role="button"], a[href]';

/** Space toggles play/pause, unless focus is in a control that uses Space itself. */
export function useSpaceToPlay(toggle: () => void): void {
  const toggleRef = useRef(toggle);
  useEffect(() => {
    toggleRef.current = toggle;
  }, [toggle]);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== ' ' || event.repeat || event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target;
      if (target instanceof Element && target.closest(OWN_SPACE)) return;
      event.preventDefault();
      toggleRef.current();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
