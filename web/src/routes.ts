import type { ComponentType } from 'react';
import { NetworkPage } from './routes/network/NetworkPage.tsx';
import { KycPage } from './routes/kyc/KycPage.tsx';

/**
 * The dashboard's pages, one per user task, in navigation order. A new capability adds its
 * folder under routes/<task>/ and one line here; the first entry is the home page.
 */
export type Route = {
  path: string;
  /** Shown in the navigation and the window title. */
  title: string;
  Page: ComponentType;
};

export const routes: readonly Route[] = [
  { path: '/network', title: 'Network', Page: NetworkPage },
  { path: '/kyc', title: 'KYC', Page: KycPage },
];
