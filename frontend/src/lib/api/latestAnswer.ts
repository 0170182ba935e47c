/**
 * Keeps only the answer to the latest question. Requests can be answered out of order; an earlier answer that
 * arrives after a later one is dropped, so it never overwrites what the newer answer showed.
 */
export function latestAnswer(): () => <A extends unknown[]>(apply: (...args: A) => void) => (...args: A) => void {
  let latest = 0;
  return () => {
    const asked = ++latest;
    return (apply) => (...args) => {
      if (asked === latest) apply(...args);
    };
  };
}
