import type { AnyRouteSpec } from '../../http/routes';
import { auditLogRoutes } from './audit-log.routes';
import { collateralRoutes } from './collateral.routes';
import { customerRoutes } from './customers.routes';
import { dashboardRoutes } from './dashboard.routes';
import type { BackofficeDeps } from './deps';
import { operationRoutes } from './operations.routes';
import { reviewRoutes } from './review.routes';

export type { BackofficeDeps } from './deps';

/** The back office workspaces (docs/backoffice.md): every route names the staff roles that may use it. */
export function backofficeRoutes(deps: BackofficeDeps): AnyRouteSpec[] {
  return [...dashboardRoutes(deps), ...reviewRoutes(deps), ...customerRoutes(deps), ...operationRoutes(deps), ...collateralRoutes(deps), ...auditLogRoutes(deps)];
}
