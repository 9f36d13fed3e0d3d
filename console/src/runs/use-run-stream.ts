import { useEffect, useRef, useState } from 'react';
import { API_BASE, authHeaders } from '../api/client';
import { readEventStream, type SseEvent } from '../api/sse';
import { useSession } from '../auth/session';

export type StreamMode = 'connecting' | 'live' | 'polling' | 'ended';

const POLL_MS = 2000;

/**
 * Follows a run while it is unfinished: its SSE stream read with fetch (the key goes in a
 * header, never the URL), or, when the stream cannot be had, polling. `onChange` is called
 * for every event (and every poll); the caller refetches what it shows.
 */
export function useRunStream(
  runId: string,
  finished: boolean,
  onChange: (event?: SseEvent) => void,
): StreamMode {
  const { session } = useSession();
  const [mode, setMode] = useState<StreamMode>('connecting');
  const callback = useRef(onChange);
  useEffect(() => {
    callback.current = onChange;
  });

  useEffect(() => {
    if (finished) {
      setMode('ended');
      return;
    }
    const abort = new AbortController();
    let timer: ReturnType<typeof setInterval> | undefined;
    setMode('connecting');
    const url = `${API_BASE}/workflows/${encodeURIComponent(runId)}/stream`;
    readEventStream(
      url,
      authHeaders(session.credentials),
      (event) => {
        setMode('live');
        callback.current(event);
      },
      abort.signal,
    ).then(
      () => {
        if (abort.signal.aborted) return;
        setMode('ended');
        callback.current();
      },
      () => {
        if (abort.signal.aborted) return;
        setMode('polling');
        timer = setInterval(() => callback.current(), POLL_MS);
      },
    );
    return () => {
      abort.abort();
      if (timer) clearInterval(timer);
    };
  }, [runId, finished, session.credentials]);

  return mode;
}
