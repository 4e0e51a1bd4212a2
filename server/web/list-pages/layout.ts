import type http from 'node:http';
import type { LanguageCode } from '../../lists/types';
import { escapeXml as esc } from '../http-util';

export { esc };

/** The list pages' style (the archive pages' too): plain, readable on a phone, visible focus. */
export const LIST_PAGE_CSS =
  'body{font-family:system-ui,sans-serif;max-width:52em;margin:0 auto;padding:0 1em 2em;line-height:1.5;color:#1a1a1a;background:#fff}' +
  'a{color:#0b57b0}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3em .5em;border-bottom:1px solid #ddd;vertical-align:top}' +
  'pre{white-space:pre-wrap;word-wrap:break-word;background:#f5f5f5;padding:1em}.meta{color:#444}' +
  'label{display:block;font-weight:600;margin-top:.6em}label.check{font-weight:400;display:flex;gap:.5em;align-items:baseline}' +
  'input[type=search],input[type=text],input[type=email],input[type=password],input[type=number],select,textarea{font:inherit;padding:.4em;width:100%;max-width:28em;box-sizing:border-box;border:1px solid #767676;border-radius:4px}' +
  'textarea{max-width:100%}button{font:inherit;padding:.45em 1em;margin:.6em .4em 0 0;border:1px solid #0b57b0;border-radius:4px;background:#0b57b0;color:#fff;cursor:pointer}' +
  'button.secondary{background:#fff;color:#0b57b0}:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}' +
  'header{border-bottom:1px solid #ddd;margin-bottom:1em;padding:.6em 0}header nav ul{list-style:none;padding:0;margin:.3em 0;display:flex;flex-wrap:wrap;gap:.2em 1.2em}' +
  'header nav a[aria-current=page]{font-weight:700;color:#1a1a1a}.who{color:#444;font-size:.9em}' +
  'fieldset{border:1px solid #ddd;border-radius:6px;margin:1em 0;padding:.4em 1em 1em}legend{font-weight:700;padding:0 .3em}' +
  '.notice{border-left:4px solid #137333;background:#e6f4ea;padding:.6em 1em}.problem{border-left:4px solid #b3261e;background:#fce8e6;padding:.6em 1em}' +
  '.actions{display:flex;flex-wrap:wrap;gap:.4em;align-items:center}.actions button{margin:0}' +
  '@media (max-width:40em){td,th{display:block;border:0;padding:.1em 0}tr{display:block;border-bottom:1px solid #ddd;padding:.5em 0}thead{display:none}}';

export interface NavLink {
  href: string;
  label: string;
  current?: boolean;
}

export interface PageParts {
  lang: LanguageCode;
  title: string;
  /** The page's own heading (when it differs from the title, which the tab shows). */
  heading?: string;
  body: string;
  nav?: NavLink[];
  /** Who is logged in, with a log-out form. */
  who?: string;
  notice?: { kind: 'notice' | 'problem'; text: string };
  /** Pages with personal data are never stored by caches. */
  personal: boolean;
}

/** Sends a page: landmarks (header, nav, main), the list's language, no script at all (the CSP allows none). */
export function sendPage(res: http.ServerResponse, status: number, p: PageParts): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': p.personal ? 'no-store' : 'no-cache',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  const nav = p.nav?.length
    ? `<nav aria-label="${esc(p.nav[0].label)}"><ul>${p.nav
        .slice(1)
        .map((l) => `<li><a href="${esc(l.href)}"${l.current ? ' aria-current="page"' : ''}>${esc(l.label)}</a></li>`)
        .join('')}</ul></nav>`
    : '';
  const notice = p.notice ? `<p class="${p.notice.kind}" role="${p.notice.kind === 'problem' ? 'alert' : 'status'}">${esc(p.notice.text)}</p>` : '';
  res.end(
    `<!doctype html><html lang="${p.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(p.title)}</title><style>${LIST_PAGE_CSS}</style></head>` +
      `<body><header>${nav}${p.who ?? ''}</header><main><h1>${esc(p.heading ?? p.title)}</h1>${notice}${p.body}</main></body></html>`,
  );
}

/** A POST form carrying the visitor's CSRF token. */
export function postForm(action: string, csrf: string, inner: string, attrs = ''): string {
  return `<form method="post" action="${esc(action)}"${attrs}><input type="hidden" name="csrf" value="${esc(csrf)}">${inner}</form>`;
}

/** A labelled input; `id` when two forms of a page have a field of the same name. */
export function textField(name: string, label: string, value: string, opts: { id?: string; type?: string; error?: string; autocomplete?: string; required?: boolean; inputmode?: string } = {}): string {
  const id = opts.id ?? name;
  const invalid = opts.error ? ` aria-invalid="true" aria-describedby="${id}-error"` : '';
  const error = opts.error ? `<span id="${id}-error" class="problem">${esc(opts.error)}</span>` : '';
  return `<label for="${id}">${esc(label)}</label><input type="${opts.type ?? 'text'}" id="${id}" name="${name}" value="${esc(value)}"${opts.inputmode ? ` inputmode="${opts.inputmode}"` : ''}${opts.autocomplete ? ` autocomplete="${opts.autocomplete}"` : ''}${opts.required ? ' required' : ''}${invalid}>${error}`;
}

export function textArea(name: string, label: string, value: string, opts: { id?: string; rows?: number; error?: string; hint?: string } = {}): string {
  const id = opts.id ?? name;
  const described = [opts.hint ? `${id}-hint` : '', opts.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    `<label for="${id}">${esc(label)}</label>${opts.hint ? `<span id="${id}-hint" class="meta">${esc(opts.hint)}</span>` : ''}` +
    `<textarea id="${id}" name="${name}" rows="${opts.rows ?? 4}"${described ? ` aria-describedby="${described}"` : ''}${opts.error ? ' aria-invalid="true"' : ''}>${esc(value)}</textarea>` +
    (opts.error ? `<span id="${id}-error" class="problem">${esc(opts.error)}</span>` : '')
  );
}

export function checkbox(name: string, label: string, checked: boolean, error?: string, id = name): string {
  const invalid = error ? ` aria-invalid="true" aria-describedby="${id}-error"` : '';
  return `<label class="check" for="${id}"><input type="checkbox" id="${id}" name="${name}" value="1"${checked ? ' checked' : ''}${invalid}> ${esc(label)}</label>${error ? `<span id="${id}-error" class="problem">${esc(error)}</span>` : ''}`;
}

export function select(name: string, label: string, value: string, options: [string, string][], error?: string): string {
  return (
    `<label for="${name}">${esc(label)}</label><select id="${name}" name="${name}"${error ? ` aria-invalid="true" aria-describedby="${name}-error"` : ''}>` +
    options.map(([v, l]) => `<option value="${esc(v)}"${v === value ? ' selected' : ''}>${esc(l)}</option>`).join('') +
    `</select>${error ? `<span id="${name}-error" class="problem">${esc(error)}</span>` : ''}`
  );
}

/** The languages by their own names (a person looks for their language's name as written in it). */
export const LANGUAGE_NAMES: [LanguageCode, string][] = [
  ['en', 'English'],
  ['de', 'Deutsch'],
  ['es', 'Español'],
  ['ja', '日本語'],
  ['ko', '한국어'],
  ['ru', 'Русский'],
];
