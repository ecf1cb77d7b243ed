export { createRecordingPipeline, type RecordingPipeline, type RecordingPipelineOptions } from './pipeline.js';
export { createRecordingJobs, type RecordingJobs, type RecordingSource } from './jobs.js';
export { createRecordingRoutes, mayPlay } from './routes.js';
export { getRecording, insertRecording, storageKeyFor, type Recording, type RecordingState, type NewRecording } from './repository.js';
export { listRecordings, publicRecording } from './queries.js';
export { Keyring, parseMasterKey, type MasterKey } from './crypto.js';
export { loadKeyring } from './keys.js';
export { openStore, type ObjectStore } from './storage/index.js';
export { sweepRetention } from './retention.js';
