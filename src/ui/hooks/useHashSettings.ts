import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExperimentSettings } from '../../shared/experiment';
import { decodeSettings, encodeSettings } from '../../shared/settings';

/** The settings in the URL hash, and what could not be read from it. */
export interface HashSettings {
  readonly settings: ExperimentSettings;
  /** Why some of the hash was ignored (empty when it was read whole). */
  readonly notices: readonly string[];
  readonly setSettings: (update: (current: ExperimentSettings) => ExperimentSettings) => void;
  readonly dismissNotices: () => void;
}

function readHash(): { settings: ExperimentSettings; notices: string[] } {
  return decodeSettings(window.location.hash.replace(/^#/, ''));
}

/**
 * The experiment's settings, kept in the URL hash so a link reproduces them. Reads the
 * hash once at load (an invalid or partial hash falls back to defaults, with notices),
 * writes every change back with replaceState, and follows hashes edited by hand.
 */
export function useHashSettings(): HashSettings {
  const [initial] = useState(readHash);
  const [settings, setState] = useState<ExperimentSettings>(initial.settings);
  const [notices, setNotices] = useState<readonly string[]>(initial.notices);
  const writtenRef = useRef<string | null>(null);

  useEffect(() => {
    const hash = encodeSettings(settings);
    writtenRef.current = hash;
    if (window.location.hash.replace(/^#/, '') !== hash) {
      window.history.replaceState(window.history.state, '', `#${hash}`);
    }
  }, [settings]);

  useEffect(() => {
    const onHashChange = () => {
      const hash = window.location.hash.replace(/^#/, '');
      if (hash === writtenRef.current) return;
      const read = readHash();
      setState(read.settings);
      setNotices(read.notices);
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  const setSettings = useCallback((update: (current: ExperimentSettings) => ExperimentSettings) => setState(update), []);
  const dismissNotices = useCallback(() => setNotices([]), []);
  return { settings, notices, setSettings, dismissNotices };
}
