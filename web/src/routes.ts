import type { ComponentType } from 'react';
import { NetworkPage } from './routes/network/NetworkPage.tsx';
import { MarketsPage } from './routes/markets/MarketsPage.tsx';
import { PositionPage } from './routes/position/PositionPage.tsx';
import { LiquidationsPage } from './routes/liquidations/LiquidationsPage.tsx';
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
  { path: '/markets', title: 'Markets', Page: MarketsPage },
  { path: '/position', title: 'Position', Page: PositionPage },
  { path: '/liquidations', title: 'Liquidations', Page: LiquidationsPage },
  { path: '/kyc', title: 'KYC', Page: KycPage },
];
