import { arrangementRoutes } from './arrangement';
import { auditChainRoutes } from './audit-chain-routes';
import { appraisalRoutes } from './appraisals';
import { destructionRoutes } from './destruction-lists';
import { holdRoutes } from './holds';
import { handOverRoutes } from './hand-overs';
import { inventoryRoutes } from './inventories';
import { shelfScanRoutes } from './shelf-scans';
import { taskRoutes } from './tasks';
import { transferRoutes } from './transfers';
import { volumeRoutes } from './volumes';
import { barcodeRoutes } from './barcode-routes';
import { captureRoutes } from './capture-routes';
import type { ApiContext } from './context';
import { importRoutes } from './imports';
import { itemRoutes } from './items';
import { searchRoutes } from './search';
import { recognitionRoutes } from './recognition';
import type { Route } from './route';
import { scanSessionRoutes } from './scan-session-routes';
import { signInRoutes } from './sign-in-routes';
import { systemRoutes } from './system-routes';
import { consultationRoutes } from './consultations';
import { useRegisterRoutes } from './use-register';

/** Every route of the API, in the order the OpenAPI document lists them. */
export function apiRoutes(ctx: ApiContext): Route[] {
  return [
    ...systemRoutes(ctx),
    ...signInRoutes(ctx),
    ...auditChainRoutes(ctx),
    ...itemRoutes(ctx),
    ...searchRoutes(ctx),
    ...recognitionRoutes(ctx),
    ...captureRoutes(ctx),
    ...importRoutes(ctx),
    ...barcodeRoutes(ctx),
    ...scanSessionRoutes(ctx),
    ...volumeRoutes(ctx),
    ...handOverRoutes(ctx),
    ...transferRoutes(ctx),
    ...arrangementRoutes(ctx),
    ...inventoryRoutes(ctx),
    ...shelfScanRoutes(ctx),
    ...taskRoutes(ctx),
    ...holdRoutes(ctx),
    ...appraisalRoutes(ctx),
    ...destructionRoutes(ctx),
    ...consultationRoutes(ctx),
    ...useRegisterRoutes(ctx),
  ];
}
