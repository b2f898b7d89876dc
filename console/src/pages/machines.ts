// The list of state machines: name, type, current revision and executions by status.
import { api, seg } from '../api.js'
import { h, link, mount } from '../dom.js'
import { formatDate, statusLabel } from '../format.js'
import type { Dispose } from '../main.js'
import { EXECUTION_STATUSES, type MachineSummary, type StateMachineItem } from '../types.js'
import { pager, row, table, TokenPages } from '../widgets.js'

const PAGE = 50

export async function machinesPage(main: HTMLElement): Promise<Dispose> {
  const pages = new TokenPages()
  const render = async () => {
    const query = new URLSearchParams({ maxResults: String(PAGE) })
    if (pages.token) query.set('nextToken', pages.token)
    const list = await api<{ stateMachines: StateMachineItem[]; nextToken?: string }>(
      `/state-machines?${query.toString()}`,
    )
    pages.nextToken = list.nextToken
    const summaries = await Promise.all(
      list.stateMachines.map((m) =>
        api<MachineSummary>(`/state-machines/${seg(m.name)}/summary?maxRevisions=1`).catch(
          () => undefined,
        ),
      ),
    )
    const rows = list.stateMachines.map((m, i) => {
      const summary = summaries[i]
      return row([
        link(`/console/state-machines/${seg(m.name)}`, m.name),
        m.type,
        summary ? String(summary.revision) : '—',
        ...EXECUTION_STATUSES.map((s) => {
          const n = summary?.executionCounts[s] ?? 0
          return n === 0
            ? h('span', { class: 'muted' }, '0')
            : h('span', { class: `count status-${s.toLowerCase()}` }, String(n))
        }),
        formatDate(m.creationDate),
      ])
    })
    mount(
      main,
      h('h1', {}, 'State machines'),
      list.stateMachines.length === 0 && pages.page === 0
        ? h(
            'p',
            {},
            'No state machines yet. Create one with ',
            h('code', {}, 'POST /v1/state-machines'),
            ' or ',
            h('code', {}, 'millrace create'),
            '.',
          )
        : table(
            'State machines with their executions by status',
            ['Name', 'Type', 'Revision', ...EXECUTION_STATUSES.map(statusLabel), 'Created'],
            rows,
          ),
      pager('State machine pages', pages, (d) => {
        pages.move(d)
        void render()
      }),
    )
  }
  await render()
  return () => undefined
}
