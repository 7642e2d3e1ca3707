// A small Linear workspace written for these tests in the documented shapes (shared/sources/linear.md
// §5–§6): two teams, their workflow states and cycles, users (one deactivated), projects, 11 issues with
// labels (one archived, two sharing an updatedAt) and comments. Every call returns fresh copies.
import type { LinearReplayNode, LinearReplayRoot } from '@hotdata-dlt/testing';

const ENG = { id: 'team-eng-0000-4000-8000-000000000001', key: 'ENG', name: 'Engineering' };
const OPS = { id: 'team-ops-0000-4000-8000-000000000002', key: 'OPS', name: 'Operations' };

const ADA = { id: 'user-ada-0000-4000-8000-000000000001', name: 'Ada Lovelace', email: 'ada@example.com' };
const GRACE = {
  id: 'user-grace-00-4000-8000-000000000002',
  name: 'Grace Hopper',
  email: 'grace@example.com',
};
const LINUS = { id: 'user-linus-00-4000-8000-000000000003', name: 'Linus T', email: 'linus@example.com' };

export const LABELS = {
  bug: { id: 'label-bug-000-4000-8000-000000000001', name: 'Bug', color: '#eb5757' },
  feature: { id: 'label-feat-00-4000-8000-000000000002', name: 'Feature', color: '#bb87fc' },
  infra: { id: 'label-infra-0-4000-8000-000000000003', name: 'Infra', color: '#4ea7fc' },
};

const STATE_TYPES = [
  ['Backlog', 'backlog'],
  ['Todo', 'unstarted'],
  ['In Progress', 'started'],
  ['Done', 'completed'],
  ['Canceled', 'canceled'],
] as const;

/** `2026-01-05T09:00:00.000Z` plus `minutes`. */
export function at(minutes: number): string {
  return new Date(Date.parse('2026-01-05T09:00:00.000Z') + minutes * 60_000).toISOString();
}

function stateId(team: { key: string }, index: number): string {
  return `state-${team.key.toLowerCase()}-${index}-4000-8000-00000000000${index}`;
}

function state(team: typeof ENG, index: number) {
  const [name, type] = STATE_TYPES[index]!;
  return { id: stateId(team, index), name, type };
}

function workflowStates(): LinearReplayNode[] {
  return [ENG, OPS].flatMap((team) =>
    STATE_TYPES.map((_, index) => ({
      ...state(team, index),
      position: index,
      color: ['#bec2c8', '#e2e2e2', '#f2c94c', '#5e6ad2', '#95a2b3'][index],
      description: null,
      createdAt: at(0),
      updatedAt: at(0),
      archivedAt: null,
      team,
    })),
  );
}

interface CycleRef {
  id: string;
  number: number;
  name: string | null;
}

const CYCLE_ENG_1: CycleRef = { id: 'cycle-eng-1-4000-8000-000000000001', number: 1, name: 'Sprint 1' };
const CYCLE_ENG_2: CycleRef = { id: 'cycle-eng-2-4000-8000-000000000002', number: 2, name: null };
const CYCLE_OPS_1: CycleRef = { id: 'cycle-ops-1-4000-8000-000000000003', number: 1, name: 'Ops 1' };
const PROJECT_RETRY = { id: 'proj-retry-0-4000-8000-000000000001', name: 'Retry FRED downloads' };
const PROJECT_RUNBOOK = { id: 'proj-runbk-0-4000-8000-000000000002', name: 'Runbook' };

interface IssueSpec {
  n: number;
  team: typeof ENG;
  title: string;
  state: number;
  updated: number;
  created: number;
  labels?: Array<(typeof LABELS)[keyof typeof LABELS]>;
  assignee?: typeof ADA;
  project?: typeof PROJECT_RETRY;
  cycle?: CycleRef;
  estimate?: number;
  priority?: number;
  archived?: number;
  dueDate?: string;
}

const ISSUES: IssueSpec[] = [
  {
    n: 1,
    team: ENG,
    title: 'Retry FRED downloads on 429',
    state: 2,
    created: 0,
    updated: 300,
    labels: [LABELS.bug],
    assignee: ADA,
    project: PROJECT_RETRY,
    cycle: CYCLE_ENG_1,
    estimate: 3,
    priority: 2,
  },
  {
    n: 2,
    team: ENG,
    title: 'Parquet writer: dictionary pages',
    state: 1,
    created: 10,
    updated: 290,
    labels: [LABELS.feature, LABELS.infra],
    estimate: 5,
    priority: 3,
  },
  {
    n: 3,
    team: ENG,
    title: 'Load packages survive a crash',
    state: 3,
    created: 20,
    updated: 280,
    assignee: GRACE,
    cycle: CYCLE_ENG_1,
    priority: 1,
  },
  {
    n: 4,
    team: ENG,
    title: 'Incremental cursor on updatedAt',
    state: 2,
    created: 30,
    updated: 280,
    labels: [LABELS.feature],
    assignee: ADA,
    project: PROJECT_RETRY,
    dueDate: '2026-02-01',
  },
  { n: 5, team: ENG, title: 'Snake-case naming golden tests', state: 0, created: 40, updated: 200 },
  {
    n: 6,
    team: ENG,
    title: 'Old spike, archived',
    state: 4,
    created: 50,
    updated: 190,
    archived: 190,
    labels: [LABELS.infra],
  },
  {
    n: 7,
    team: ENG,
    title: 'Merge engine: scd2',
    state: 1,
    created: 60,
    updated: 150,
    cycle: CYCLE_ENG_2,
    estimate: 8,
  },
  {
    n: 8,
    team: ENG,
    title: 'hotdata-local: fault injection',
    state: 3,
    created: 70,
    updated: 120,
    labels: [LABELS.bug],
    assignee: LINUS,
  },
  {
    n: 1,
    team: OPS,
    title: 'Rotate the Hotdata token',
    state: 1,
    created: 80,
    updated: 270,
    labels: [LABELS.infra],
    assignee: GRACE,
    cycle: CYCLE_OPS_1,
    project: PROJECT_RUNBOOK,
  },
  {
    n: 2,
    team: OPS,
    title: 'Runbook: drop pending packages',
    state: 0,
    created: 90,
    updated: 110,
    project: PROJECT_RUNBOOK,
  },
  { n: 3, team: OPS, title: 'Alert on stale freshness', state: 2, created: 100, updated: 100, priority: 4 },
];

/** The id of an issue by its identifier (`ENG-1`). */
export function issueId(identifier: string): string {
  const [team, number] = identifier.split('-');
  return `issue-${team!.toLowerCase()}-${number!.padStart(3, '0')}-4000-8000-000000000000`;
}

export function issueNode(spec: IssueSpec): LinearReplayNode {
  const identifier = `${spec.team.key}-${spec.n}`;
  const issueState = state(spec.team, spec.state);
  return {
    id: issueId(identifier),
    identifier,
    number: spec.n,
    title: spec.title,
    description: spec.n % 2 === 0 ? null : `Details of ${identifier}.`,
    priority: spec.priority ?? 0,
    priorityLabel: ['No priority', 'Urgent', 'High', 'Medium', 'Low'][spec.priority ?? 0],
    estimate: spec.estimate ?? null,
    url: `https://linear.app/acme/issue/${identifier}/${spec.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    branchName: `ada/${identifier.toLowerCase()}`,
    createdAt: at(spec.created),
    updatedAt: at(spec.updated),
    startedAt: spec.state >= 2 ? at(spec.created + 5) : null,
    completedAt: spec.state === 3 ? at(spec.updated) : null,
    canceledAt: spec.state === 4 ? at(spec.updated) : null,
    archivedAt: spec.archived === undefined ? null : at(spec.archived),
    dueDate: spec.dueDate ?? null,
    trashed: null,
    state: issueState,
    team: spec.team,
    assignee: spec.assignee ?? null,
    creator: { id: ADA.id, name: ADA.name },
    project: spec.project ?? null,
    cycle: spec.cycle ?? null,
    parent: null,
    labels: { nodes: spec.labels ?? [] },
  };
}

function comments(): LinearReplayNode[] {
  const comment = (n: number, issue: string, minutes: number, user = ADA) => ({
    id: `comment-${String(n).padStart(3, '0')}-4000-8000-000000000000`,
    body: `Comment ${n} on ${issue}.`,
    url: `https://linear.app/acme/issue/${issue}#comment-${n}`,
    createdAt: at(minutes),
    updatedAt: at(minutes),
    editedAt: null,
    resolvedAt: null,
    archivedAt: null,
    issue: { id: issueId(issue), identifier: issue, team: { key: issue.split('-')[0] } },
    user: { id: user.id, name: user.name },
    parent: null,
  });
  return [
    comment(1, 'ENG-1', 100),
    comment(2, 'ENG-1', 110, GRACE),
    comment(3, 'ENG-4', 120),
    comment(4, 'OPS-1', 130, GRACE),
    comment(5, 'ENG-3', 140),
  ];
}

/** The whole workspace by root field, as the replay server takes it. */
export function generatedWorkspace(): Record<LinearReplayRoot, LinearReplayNode[]> {
  const user = (who: typeof ADA, extra: Record<string, unknown>) => ({
    ...who,
    displayName: who.name.split(' ')[0]!.toLowerCase(),
    admin: false,
    guest: false,
    app: false,
    active: true,
    timezone: 'Europe/Paris',
    createdAt: at(0),
    updatedAt: at(0),
    archivedAt: null,
    ...extra,
  });
  const team = (which: typeof ENG, extra: Record<string, unknown>) => ({
    ...which,
    displayName: which.name,
    description: null,
    color: '#5e6ad2',
    icon: null,
    timezone: 'Europe/Paris',
    cyclesEnabled: true,
    triageEnabled: false,
    createdAt: at(0),
    updatedAt: at(0),
    archivedAt: null,
    ...extra,
  });
  const project = (
    which: typeof PROJECT_RETRY,
    teams: Array<typeof ENG>,
    extra: Record<string, unknown>,
  ) => ({
    ...which,
    description: `${which.name}.`,
    slugId: which.id.slice(0, 8),
    url: `https://linear.app/acme/project/${which.id.slice(0, 8)}`,
    priority: 2,
    progress: 0.5,
    health: 'onTrack',
    startDate: '2026-01-05',
    targetDate: null,
    startedAt: at(10),
    completedAt: null,
    canceledAt: null,
    createdAt: at(5),
    updatedAt: at(50),
    archivedAt: null,
    status: { id: 'status-started-4000-8000-000000000001', name: 'In Progress', type: 'started' },
    lead: { id: ADA.id, name: ADA.name },
    teams: { nodes: teams },
    ...extra,
  });
  const cycle = (which: CycleRef, owner: typeof ENG, startDay: number) => ({
    ...which,
    description: null,
    startsAt: at(startDay * 1440),
    endsAt: at((startDay + 14) * 1440),
    completedAt: null,
    progress: 0.25,
    createdAt: at(0),
    updatedAt: at(startDay),
    archivedAt: null,
    team: owner,
  });
  return {
    teams: [team(ENG, { description: 'Builds hotdata-dlt.' }), team(OPS, { cyclesEnabled: false })],
    users: [user(ADA, { admin: true }), user(GRACE, {}), user(LINUS, { active: false })],
    workflowStates: workflowStates(),
    projects: [
      project(PROJECT_RETRY, [ENG], {}),
      project(PROJECT_RUNBOOK, [ENG, OPS], { updatedAt: at(60) }),
    ],
    cycles: [cycle(CYCLE_ENG_1, ENG, 0), cycle(CYCLE_ENG_2, ENG, 14), cycle(CYCLE_OPS_1, OPS, 0)],
    issues: ISSUES.map(issueNode),
    comments: comments(),
    issueLabels: [],
  };
}

/** The largest `updatedAt` of the generated issues (ENG-1, on the first page, not the last). */
export const MAX_ISSUE_UPDATED_AT = at(300);

/**
 * The issue changes of the tests' second run: ENG-5 is done (new title and state), ENG-2 keeps only
 * its Bug label, and ENG-9 is new, with `newIssueLabels`. All are updated after the first run's cursor.
 */
export function secondRunIssueChanges(
  workspace: Record<LinearReplayRoot, LinearReplayNode[]>,
  newIssueLabels: LinearReplayNode[],
): LinearReplayNode[] {
  const eng5 = workspace.issues.find((node) => node.identifier === 'ENG-5')!;
  const eng2 = workspace.issues.find((node) => node.identifier === 'ENG-2')!;
  return [
    {
      ...eng5,
      title: 'Snake-case naming: done',
      state: { id: 'state-eng-3', name: 'Done', type: 'completed' },
      updatedAt: at(400),
    },
    { ...eng2, labels: { nodes: [LABELS.bug] }, updatedAt: at(390) },
    {
      ...workspace.issues[0]!,
      id: issueId('ENG-9'),
      identifier: 'ENG-9',
      number: 9,
      title: 'A new issue',
      labels: { nodes: newIssueLabels },
      updatedAt: at(380),
    },
  ];
}
