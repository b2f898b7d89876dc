// A small element builder: h('a', { href, onclick }, 'text', child). Text is always set as text,
// never parsed as HTML, so names and payloads from the API cannot inject markup.

export type Child = Node | string | number | null | undefined | false | readonly Child[]
export type Props = Readonly<
  Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>
>

function apply(el: Element, props: Props | undefined): void {
  if (!props) return
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value)
    } else if (value === true) {
      el.setAttribute(key, '')
    } else {
      el.setAttribute(key, String(value))
    }
  }
}

function append(el: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(el, child as readonly Child[])
    else if (child instanceof Node) el.appendChild(child)
    else el.appendChild(document.createTextNode(String(child as string | number)))
  }
}

/** An HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  apply(el, props)
  append(el, children)
  return el
}

const SVG = 'http://www.w3.org/2000/svg'

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  props?: Props,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag)
  apply(el, props)
  append(el, children)
  return el
}

/** Replaces the children of `el`. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, children)
}

/** A link inside the console (handled by the router without reloading the page). */
export function link(href: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href, 'data-link': true }, ...children)
}
