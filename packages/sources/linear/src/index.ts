export {
  LINEAR_DEFAULT_API_URL,
  LINEAR_RESOURCES,
  type LinearClock,
  type LinearOptions,
  type LinearResourceName,
} from './config.ts';
export { LinearError, type LinearErrorDetails, type LinearErrorKind } from './errors.ts';
export {
  type LinearCommentRow,
  type LinearCycleRow,
  type LinearIssueRow,
  type LinearProjectRow,
  type LinearTeamRow,
  type LinearUserRow,
  type LinearWorkflowStateRow,
  linear,
} from './linear.ts';
