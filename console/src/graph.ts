// The graph of a state machine definition, laid out by elkjs and drawn as SVG. Parallel branches
// and Map item processors are nested groups; Choice rules and Catchers label their edges. Each
// state can carry a status class (what happened to it in an execution) and a retry badge.
//
// Keyboard: the graph is one tab stop; arrow keys move to the nearest state in that direction,
// Home/End to the first/last, Enter or Space selects.
import ELK from 'elkjs/lib/elk.bundled.js'
import type { ElkExtendedEdge, ElkLabel, ElkNode } from 'elkjs/lib/elk-api'
import { s } from './dom.js'
import { statusLabel } from './format.js'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type StateDef = { readonly [key: string]: Json | undefined }
export interface Definition {
  readonly StartAt: string
  readonly States: Readonly<Record<string, StateDef>>
}

export interface StateMark {
  readonly status: string
  readonly retries: number
  /** A short line shown under the name (e.g. `3/5 iterations`). */
  readonly note?: string
}

export interface GraphView {
  readonly element: SVGSVGElement
  /** Marks states (by name) with a status and retries; states not listed are not reached. */
  mark(marks: ReadonlyMap<string, StateMark> | undefined): void
  select(name: string | undefined): void
}

interface NodeInfo {
  readonly id: string
  readonly name: string
  readonly type: string
  readonly kind: 'state' | 'start' | 'end' | 'group'
  el?: SVGGElement
  cx: number
  cy: number
}

const CHAR = 7.2
const NODE_H = 44
const GROUP_TYPES = new Set(['Parallel', 'Map'])

const LAYOUT = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.layered.spacing.nodeNodeBetweenLayers': '36',
  'elk.spacing.nodeNode': '24',
  'elk.spacing.edgeLabel': '4',
  'elk.edgeLabels.inline': 'false',
  'elk.layered.edgeLabels.sideSelection': 'ALWAYS_DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.padding': '[top=34,left=14,bottom=14,right=14]',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
}

function text(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function clip(value: string, max = 38): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value
}

/** A short text for a Choice rule: `$.total > 100`, `{% $x = 1 %}`, `and(…)`. */
export function ruleLabel(rule: Json | undefined): string {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return '?'
  const condition = text(rule['Condition'])
  if (condition !== undefined) return clip(condition.replace(/^\{%\s*|\s*%\}$/g, ''))
  for (const op of ['And', 'Or'] as const) {
    const list = rule[op]
    if (Array.isArray(list)) return clip(list.map(ruleLabel).join(op === 'And' ? ' && ' : ' || '))
  }
  if (rule['Not'] !== undefined) return clip(`not (${ruleLabel(rule['Not'])})`)
  const variable = text(rule['Variable']) ?? '?'
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'Variable' || key === 'Next' || key === 'Comment' || key === 'Assign') continue
    const op = key
      .replace(/^(String|Numeric|Boolean|Timestamp)/, '')
      .replace(/Path$/, '')
      .replace(/^Equals$/, '==')
      .replace(/^LessThanEquals$/, '<=')
      .replace(/^GreaterThanEquals$/, '>=')
      .replace(/^LessThan$/, '<')
      .replace(/^GreaterThan$/, '>')
    const shown = key.endsWith('Path') && typeof value === 'string' ? value : JSON.stringify(value)
    return clip(`${variable} ${op} ${shown}`)
  }
  return clip(variable)
}

function label(textValue: string): ElkLabel {
  return { text: textValue, width: textValue.length * 6.2 + 8, height: 16 }
}

/** The ELK graph of a state list (a machine, a branch, an item processor). */
function stateList(
  def: Definition,
  path: string,
  nodes: Map<string, NodeInfo>,
  top: boolean,
): { children: ElkNode[]; edges: ElkExtendedEdge[] } {
  const children: ElkNode[] = []
  const edges: ElkExtendedEdge[] = []
  const idOf = (name: string) => `${path}/${name}`
  let edgeCount = 0
  const edge = (from: string, to: string, edgeLabel?: string, kind = 'next') => {
    if (!def.States[to] && !to.startsWith('#')) return
    edges.push({
      // the kind rides in the id (`…#choice#3`), ELK keeps ids as they are
      id: `${path}#${kind}#${edgeCount++}`,
      sources: [from],
      targets: [to.startsWith('#') ? `${path}/${to}` : idOf(to)],
      ...(edgeLabel ? { labels: [label(edgeLabel)] } : {}),
    })
  }
  if (top) {
    const id = `${path}/#start`
    nodes.set(id, { id, name: 'Start', type: 'Start', kind: 'start', cx: 0, cy: 0 })
    children.push({ id, width: 56, height: 26 })
    edge(id, def.StartAt)
  }
  let hasEnd = false
  for (const [name, state] of Object.entries(def.States)) {
    const id = idOf(name)
    const type = text(state['Type']) ?? '?'
    if (GROUP_TYPES.has(type)) {
      const inner: ElkNode[] = []
      const innerEdges: ElkExtendedEdge[] = []
      if (type === 'Parallel' && Array.isArray(state['Branches'])) {
        state['Branches'].forEach((branch, i) => {
          const branchId = `${id}/${i}`
          nodes.set(branchId, {
            id: branchId,
            name: `Branch ${i + 1}`,
            type: 'Branch',
            kind: 'group',
            cx: 0,
            cy: 0,
          })
          const g = stateList(branch as unknown as Definition, branchId, nodes, false)
          inner.push({ id: branchId, children: g.children, edges: g.edges, layoutOptions: LAYOUT })
        })
      } else {
        const processor = (state['ItemProcessor'] ?? state['Iterator']) as unknown as
          Definition | undefined
        if (processor?.States) {
          const g = stateList(processor, `${id}/items`, nodes, false)
          inner.push(...g.children)
          innerEdges.push(...g.edges)
        }
      }
      nodes.set(id, { id, name, type, kind: 'group', cx: 0, cy: 0 })
      children.push({
        id,
        children: inner,
        edges: innerEdges,
        layoutOptions: { ...LAYOUT, 'elk.direction': type === 'Parallel' ? 'RIGHT' : 'DOWN' },
        // a minimum, so the title fits
        width: Math.max(160, name.length * CHAR + 80),
        height: 60,
      })
    } else {
      nodes.set(id, { id, name, type, kind: 'state', cx: 0, cy: 0 })
      children.push({ id, width: Math.max(110, name.length * CHAR + 36), height: NODE_H })
    }
    const next = text(state['Next'])
    if (next) edge(id, next)
    if (type === 'Choice') {
      const choices = state['Choices']
      if (Array.isArray(choices)) {
        for (const rule of choices) {
          const target =
            rule && typeof rule === 'object' && !Array.isArray(rule)
              ? text(rule['Next'])
              : undefined
          if (target) edge(id, target, ruleLabel(rule), 'choice')
        }
      }
      const fallback = text(state['Default'])
      if (fallback) edge(id, fallback, 'Default', 'choice')
    }
    const catchers = state['Catch']
    if (Array.isArray(catchers)) {
      for (const catcher of catchers) {
        if (!catcher || typeof catcher !== 'object' || Array.isArray(catcher)) continue
        const target = text(catcher['Next'])
        const list = catcher['ErrorEquals']
        const errors = Array.isArray(list)
          ? list.filter((e): e is string => typeof e === 'string').join(', ')
          : ''
        if (target) edge(id, target, clip(`Catch: ${errors}`, 30), 'catch')
      }
    }
    const terminal = state['End'] === true || type === 'Succeed' || type === 'Fail'
    if (top && terminal) {
      hasEnd = true
      edge(id, '#end')
    }
  }
  if (top && hasEnd) {
    const id = `${path}/#end`
    nodes.set(id, { id, name: 'End', type: 'End', kind: 'end', cx: 0, cy: 0 })
    children.push({ id, width: 56, height: 26 })
  }
  return { children, edges }
}

function edgePath(e: ElkExtendedEdge): string {
  let d = ''
  for (const section of e.sections ?? []) {
    const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]
    d += points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('')
  }
  return d
}

/**
 * Lays out and draws a definition.
 *
 * @example
 * const graph = await renderGraph(definition, (name) => showState(name))
 * container.append(graph.element)
 * graph.mark(new Map([['Charge', { status: 'CAUGHT', retries: 0 }]]))
 */
export async function renderGraph(
  def: Definition,
  onSelect: (name: string) => void,
): Promise<GraphView> {
  const nodes = new Map<string, NodeInfo>()
  const root = stateList(def, 'm', nodes, true)
  const elk = new ELK()
  const input: ElkNode = {
    id: 'root',
    layoutOptions: { ...LAYOUT, 'elk.padding': '[top=12,left=12,bottom=12,right=12]' },
    children: root.children,
    edges: root.edges,
  }
  const laid: ElkNode = await elk.layout(input)

  const svg = s('svg', {
    class: 'graph',
    width: Math.ceil(laid.width ?? 100),
    height: Math.ceil(laid.height ?? 100),
    viewBox: `0 0 ${Math.ceil(laid.width ?? 100)} ${Math.ceil(laid.height ?? 100)}`,
    role: 'group',
    'aria-label': 'State machine graph. Arrow keys move between states, Enter selects.',
  })
  svg.append(
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0,0L10,5L0,10z', class: 'arrowhead' }),
      ),
    ),
  )

  const draw = (node: ElkNode, parent: SVGGElement | SVGSVGElement, ox: number, oy: number) => {
    // Edges first, so nodes sit on top of them.
    for (const e of node.edges ?? []) {
      const kind = e.id.split('#').at(-2) ?? 'next'
      const g = s(
        'g',
        { class: `edge edge-${kind}` },
        s('path', { d: edgePath(e), 'marker-end': 'url(#arrow)' }),
      )
      for (const l of e.labels ?? []) {
        g.append(
          s('rect', {
            class: 'edge-label-bg',
            x: (l.x ?? 0) - 2,
            y: l.y ?? 0,
            width: (l.width ?? 0) + 4,
            height: l.height ?? 0,
            rx: 3,
          }),
          s('text', { class: 'edge-label', x: (l.x ?? 0) + 2, y: (l.y ?? 0) + 12 }, l.text ?? ''),
        )
      }
      parent.append(g)
    }
    for (const child of node.children ?? []) {
      const info = nodes.get(child.id)
      const x = child.x ?? 0
      const y = child.y ?? 0
      const w = child.width ?? 0
      const hgt = child.height ?? 0
      const g = s('g', { transform: `translate(${x},${y})` })
      parent.append(g)
      if (!info) continue
      info.cx = ox + x + w / 2
      info.cy = oy + y + (info.kind === 'group' ? 14 : hgt / 2)
      if (info.kind === 'group') {
        const isState = info.type !== 'Branch'
        const frame = s('g', { class: `group group-${info.type.toLowerCase()}` })
        frame.append(s('rect', { class: 'group-box', width: w, height: hgt, rx: 8 }))
        const title = s(
          'g',
          isState
            ? { class: 'node group-title', 'data-state': info.name, tabindex: -1, role: 'button' }
            : { class: 'branch-title' },
          s('rect', { class: 'title-box', width: w, height: 26, rx: 8 }),
          s('text', { x: 10, y: 17 }, isState ? `${info.type}: ${info.name}` : info.name),
        )
        frame.append(title)
        g.append(frame)
        if (isState) info.el = title
        draw(child, g, ox + x, oy + y)
      } else if (info.kind === 'state') {
        const el = s(
          'g',
          { class: 'node state', 'data-state': info.name, tabindex: -1, role: 'button' },
          s('rect', { class: 'node-box', width: w, height: hgt, rx: 6 }),
          s('text', { class: 'node-name', x: w / 2, y: 19, 'text-anchor': 'middle' }, info.name),
          s('text', { class: 'node-type', x: w / 2, y: 35, 'text-anchor': 'middle' }, info.type),
        )
        g.append(el)
        info.el = el
      } else {
        g.append(
          s('rect', {
            class: `terminal terminal-${info.kind}`,
            width: w,
            height: hgt,
            rx: hgt / 2,
          }),
          s(
            'text',
            { class: 'terminal-text', x: w / 2, y: 17, 'text-anchor': 'middle' },
            info.name,
          ),
        )
      }
    }
  }
  draw(laid, svg, 0, 0)

  const states = [...nodes.values()].filter(
    (n): n is NodeInfo & { el: SVGGElement } => n.el !== undefined,
  )
  const byName = new Map(states.map((n) => [n.name, n]))
  let current = states[0]
  if (current) current.el.setAttribute('tabindex', '0')
  const focus = (n: NodeInfo & { el: SVGGElement }) => {
    current?.el.setAttribute('tabindex', '-1')
    current = n
    n.el.setAttribute('tabindex', '0')
    n.el.focus()
  }
  const nearest = (dx: number, dy: number) => {
    if (!current) return undefined
    const from = current
    let best: (typeof states)[number] | undefined
    let bestScore = Infinity
    for (const n of states) {
      if (n === from) continue
      const vx = n.cx - from.cx
      const vy = n.cy - from.cy
      const along = vx * dx + vy * dy
      if (along <= 1) continue
      const across = Math.abs(vx * dy - vy * dx)
      const score = along + across * 2
      if (score < bestScore) {
        bestScore = score
        best = n
      }
    }
    return best
  }
  for (const n of states) {
    n.el.addEventListener('click', () => {
      focus(n)
      onSelect(n.name)
    })
    n.el.addEventListener('keydown', (event) => {
      const moves: Record<string, [number, number]> = {
        ArrowDown: [0, 1],
        ArrowUp: [0, -1],
        ArrowRight: [1, 0],
        ArrowLeft: [-1, 0],
      }
      const move = moves[event.key]
      let target: (typeof states)[number] | undefined
      if (move) target = nearest(move[0], move[1])
      else if (event.key === 'Home') target = states[0]
      else if (event.key === 'End') target = states[states.length - 1]
      else if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault()
        onSelect(n.name)
        return
      } else return
      event.preventDefault()
      if (target) focus(target)
    })
  }

  const describe = (n: NodeInfo, mark: StateMark | undefined) =>
    `${n.name}, ${n.type} state, ${statusLabel(mark?.status ?? 'NOT_REACHED')}` +
    (mark && mark.retries > 0
      ? `, ${mark.retries} ${mark.retries === 1 ? 'retry' : 'retries'}`
      : '')

  return {
    element: svg,
    mark(marks) {
      for (const n of states) {
        const mark = marks?.get(n.name)
        const status = marks ? (mark?.status ?? 'NOT_REACHED') : 'NONE'
        n.el.setAttribute('data-status', status.toLowerCase())
        n.el.setAttribute('aria-label', marks ? describe(n, mark) : `${n.name}, ${n.type} state`)
        n.el.querySelector('.badge')?.remove()
        n.el.querySelector('title')?.remove()
        n.el.prepend(s('title', {}, marks ? describe(n, mark) : n.name))
        if (mark && mark.retries > 0) {
          const box = n.el.querySelector('rect')
          const w = Number(box?.getAttribute('width') ?? 0)
          const badgeText = `↻ ${mark.retries}`
          const bw = badgeText.length * 7 + 10
          n.el.append(
            s(
              'g',
              {
                class: 'badge',
                transform: `translate(${w - bw / 2 - 4},-8)`,
                'aria-hidden': 'true',
              },
              s('rect', { width: bw, height: 16, rx: 8 }),
              s('text', { x: bw / 2, y: 12, 'text-anchor': 'middle' }, badgeText),
            ),
          )
        }
      }
    },
    select(name) {
      for (const n of states) n.el.classList.toggle('selected', n.name === name)
      const n = name === undefined ? undefined : byName.get(name)
      if (n) {
        current?.el.setAttribute('tabindex', '-1')
        current = n
        n.el.setAttribute('tabindex', '0')
      }
    },
  }
}
