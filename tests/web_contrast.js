// WCAG 2 contrast of every visible text element of the chat page (tests/web_conversation.py).
(() => {
  const parse = c => { const m = c && c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = ({r, g, b}) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = el => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.99) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const ratio = (fg, bg) => { const a = lum(fg), b = lum(bg); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
  const out = [];
  const selectors = 'h1, .tp-kepala p, .tp-kaki p, .rw-response, .rw-response a, .rw-response em, .rw-client, '
    + '.rw-reply, .rw-new-message, .tp-gangguan, .rw-loading, .rw-title';
  for (const el of document.querySelectorAll(selectors)) {
    const style = getComputedStyle(el);
    if (!el.getClientRects().length || style.visibility === 'hidden' || !el.innerText && el.tagName !== 'TEXTAREA') continue;
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const bg = background(el);
    out.push({what: el.className || el.tagName, text: (el.innerText || '').slice(0, 40),
              ratio: Math.round(ratio(parse(style.color), bg) * 100) / 100, needed});
    if (el.tagName === 'TEXTAREA') {
      const ph = getComputedStyle(el, '::placeholder');
      out.push({what: 'placeholder', text: el.placeholder, ratio: Math.round(ratio(parse(ph.color), bg) * 100) / 100, needed: 4.5});
    }
  }
  return out;
})()
