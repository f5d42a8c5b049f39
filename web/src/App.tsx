import { useEffect } from 'react';
import { routes } from './routes.ts';
import { href, useHashPath } from './router.ts';

export function App() {
  const path = useHashPath();
  const home = routes[0];
  const route = path === '/' ? home : routes.find((r) => r.path === path);

  useEffect(() => {
    document.title = route ? `${route.title} · Palisade` : 'Not found · Palisade';
  }, [route]);

  return (
    <div className="app">
      <header className="app-header">
        <a className="brand" href={href(home?.path ?? '/')}>
          Palisade
        </a>
        <nav aria-label="Main">
          <ul>
            {routes.map((r) => (
              <li key={r.path}>
                <a href={href(r.path)} aria-current={r === route ? 'page' : undefined}>
                  {r.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main className="app-main">
        {route ? (
          <route.Page />
        ) : (
          <section className="not-found">
            <h1>Page not found</h1>
            <p>
              Nothing lives at <code>{path}</code>. Go to the <a href={href(home?.path ?? '/')}>{home?.title}</a> page.
            </p>
          </section>
        )}
      </main>
    </div>
  );
}
