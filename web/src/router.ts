import { useEffect, useState } from 'react';

/**
 * Hash routes (`#/network`): every page is a plain link that survives a reload, and the API
 * only has to serve one index.html at `/`.
 */
export function currentPath(): string {
  const path = window.location.hash.replace(/^#/, '');
  return path.startsWith('/') ? path : '/';
}

export function useHashPath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const onChange = () => setPath(currentPath());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return path;
}

export function href(path: string): string {
  return `#${path}`;
}
