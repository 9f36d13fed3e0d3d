import type { RunDetail } from '../workflows/runs.service';
import type { RunStatus, TaskStatus } from '../workflows/state-machine';
import { taskFromRun } from './a2a-task';

const RUN_ID = '0190a000-0000-7000-8000-000000000001';

function detail(status: RunStatus, waitingStep?: { kind: string; status: TaskStatus }): RunDetail {
  const steps = [
    { key: 'build', skill: 'build' },
    ...(waitingStep
      ? [{ key: 'hold', skill: '', kind: waitingStep.kind, dependsOn: ['build'] }]
      : []),
  ];
  return {
    run: {
      id: RUN_ID,
      type: 'ship',
      definitionVersion: 2,
      status,
      steps,
      output: status === 'succeeded' ? { build: 'ok' } : null,
      error: status === 'failed' ? { message: 'broke' } : null,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      startedAt:
        status === 'pending' || status === 'scheduled' ? null : new Date('2026-01-01T00:00:01Z'),
      finishedAt: null,
    },
    tasks: waitingStep
      ? [
          {
            stepKey: 'hold',
            status: waitingStep.status,
            // An approval or a wait is never claimed: its task is made when it begins to wait.
            createdAt: new Date('2026-01-01T00:00:02Z'),
            finishedAt: null,
          },
        ]
      : [],
    waiting: null,
  } as unknown as RunDetail;
}

describe('taskFromRun', () => {
  it.each<[RunStatus, string]>([
    ['scheduled', 'TASK_STATE_SUBMITTED'],
    ['pending', 'TASK_STATE_SUBMITTED'],
    ['running', 'TASK_STATE_WORKING'],
    ['succeeded', 'TASK_STATE_COMPLETED'],
    ['failed', 'TASK_STATE_FAILED'],
    ['cancelled', 'TASK_STATE_CANCELED'],
  ])('maps a %s run to %s', (status, state) => {
    expect(taskFromRun(detail(status)).status.state).toBe(state);
  });

  it('is input-required while an approval or a wait step waits, not while a sleep does', () => {
    expect(
      taskFromRun(detail('running', { kind: 'approval', status: 'waiting' })).status,
    ).toMatchObject({
      state: 'TASK_STATE_INPUT_REQUIRED',
      timestamp: '2026-01-01T00:00:02.000Z',
      message: { role: 'ROLE_AGENT', parts: [{ text: 'Waiting on approval step "hold".' }] },
    });
    expect(taskFromRun(detail('running', { kind: 'wait', status: 'waiting' })).status.state).toBe(
      'TASK_STATE_INPUT_REQUIRED',
    );
    expect(taskFromRun(detail('running', { kind: 'sleep', status: 'waiting' })).status.state).toBe(
      'TASK_STATE_WORKING',
    );
    expect(
      taskFromRun(detail('running', { kind: 'approval', status: 'succeeded' })).status.state,
    ).toBe('TASK_STATE_WORKING');
  });

  it('carries the output of a completed run as one data artifact', () => {
    expect(taskFromRun(detail('succeeded')).artifacts).toEqual([
      {
        artifactId: `${RUN_ID}:output`,
        name: 'output',
        parts: [{ data: { build: 'ok' }, mediaType: 'application/json' }],
      },
    ]);
    expect(taskFromRun(detail('running')).artifacts).toBeUndefined();
  });
});
