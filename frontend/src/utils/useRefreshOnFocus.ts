import { useEffect, useRef } from 'react';

/** Calls `reload` when the page becomes visible again (the user comes back to the tab). */
export function useRefreshOnFocus(reload: () => void): void {
  const ref = useRef(reload);
  ref.current = reload;
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible') ref.current();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, []);
}
