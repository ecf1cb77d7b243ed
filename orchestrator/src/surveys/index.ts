export { listSurveyResponses } from './repository.js';
