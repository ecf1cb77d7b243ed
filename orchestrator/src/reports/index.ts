export { todayPerQueue } from './repository.js';
