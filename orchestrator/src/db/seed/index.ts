export {
  seedDemo,
  DEMO_DID,
  DEMO_DIRECT_DID,
  DEMO_DO_NOT_CALL,
  DEMO_CAMPAIGN,
  DEMO_ORDER_STATUS_DID,
  DEMO_CUSTOMERS,
  DEMO_USERS,
  DEMO_RULES,
  DEMO_SITES,
  DEMO_SCORECARD,
  type SeedDemoOptions,
  type SeedDemoResult,
} from './demo.js';
export {
  seedCustomers,
  demoMobile,
  demoOrderNo,
  prng,
  type SeedCustomersOptions,
  type SeedCustomersResult,
} from './customers.js';
export { MAIN_FLOW, ORDER_STATUS_FLOW } from './flows.js';
