// The softphone as Preact state: one Softphone per settings, registered on mount (and kept so while the workspace is
// open), unregistered on unmount or when the page goes away. JsSIP (about 160 kB) is loaded only then, in a chunk of
// its own: agents on a desk phone, and every other page, never fetch it.
import { useEffect, useState } from 'preact/hooks';
import type { SoftphoneSettings } from '../api/types.js';
import type { Softphone, SoftphoneState } from './phone.js';

export function useSoftphone(settings: SoftphoneSettings | undefined): {
  phone: Softphone | null;
  state: SoftphoneState | null;
  /** The softphone's code could not be loaded (a deployment replaced while the page was open, a network error). */
  loadError: unknown;
} {
  const [phone, setPhone] = useState<Softphone | null>(null);
  const [state, setState] = useState<SoftphoneState | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    if (!settings) return undefined;
    let p: Softphone | null = null;
    let gone = false;
    let unsubscribe: () => void = () => undefined;
    // Leaving the page unregisters; coming back to it from the back/forward cache registers again.
    const leave = () => p?.disconnect();
    const back = (e: PageTransitionEvent) => e.persisted && p?.connect();
    import('./phone.js').then(
      ({ Softphone }) => {
        if (gone) return;
        p = new Softphone(settings);
        unsubscribe = p.subscribe(setState);
        setPhone(p);
        setState(p.state);
        p.connect();
        window.addEventListener('pagehide', leave);
        window.addEventListener('pageshow', back);
      },
      (err: unknown) => {
        if (!gone) setLoadError(err);
      },
    );
    return () => {
      gone = true;
      window.removeEventListener('pagehide', leave);
      window.removeEventListener('pageshow', back);
      unsubscribe();
      p?.disconnect();
      setPhone(null);
      setState(null);
    };
  }, [settings]);
  return { phone, state, loadError };
}
