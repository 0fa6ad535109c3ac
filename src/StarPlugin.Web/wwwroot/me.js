function card(key, value, id) { return el('div', { class: 'card' }, el('div', { class: 'v', id }, value), el('div', { class: 'k', i18n: key })); }
function chart(points) {
  // Accuracy, P(lens|lens) and P(not|not) against the number of training answers.
  const W = 560, H = 220, L = 40, B = 24, NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`); svg.setAttribute('class', 'chart'); svg.setAttribute('width', W); svg.setAttribute('height', H);
  const n = Math.max(1, points.length);
  const x = i => L + (W - L - 10) * (n === 1 ? 0.5 : i / (n - 1)), y = v => 10 + (H - B - 10) * (1 - v);
  const add = (tag, attrs, text) => { const e = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text) e.textContent = text; svg.append(e); };
  for (const v of [0, 0.5, 1]) { add('line', { x1: L, x2: W - 10, y1: y(v), y2: y(v), stroke: '#ccc' }); add('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 }, v); }
  const series = [['accuracy', '#1f77b4', 'accuracy'], ['p_lens', '#2ca02c', 'p_lens'], ['p_not_lens', '#d62728', 'p_not']];
  series.forEach(([field, colour, label], k) => {
    add('polyline', { fill: 'none', stroke: colour, 'stroke-width': 2, points: points.map((p, i) => x(i) + ',' + y(p[field])).join(' ') });
    add('text', { x: L + 10 + 170 * k, y: H - 6, fill: colour, 'font-size': 12 }, t(label));
  });
  return svg;
}
async function render() {
  const r = await api('GET', '/api/me');
  const box = document.getElementById('me');
  if (!r.ok) { box.replaceChildren(el('p', { i18n: 'need_login' })); translate(); return; }
  const m = r.data, c = m.training;
  box.replaceChildren(
    el('div', { class: 'cards' }, card('classified', m.classified, 'me-classified'), card('training_votes', c.tp + c.fn + c.fp + c.tn, 'me-training'),
      card('accuracy', pct(c.accuracy), 'me-accuracy'), card('precision', pct(c.precision), 'me-precision'), card('recall', pct(c.recall), 'me-recall'), card('f1', fmt(c.f1), 'me-f1')),
    el('h2', { i18n: 'skill' }),
    el('div', { class: 'cards' }, card('p_lens', fmt(m.skill.p_lens), 'me-plens'), card('p_not', fmt(m.skill.p_not_lens), 'me-pnot'), card('bits', fmt(m.skill.bits_per_decision), 'me-bits'),
      card('arc_clicks', m.arc_hits + ' / ' + m.arc_clicks, 'me-arc')),
    el('div', { class: 'grid2' },
      el('div', {}, el('h2', { i18n: 'confusion' }), el('table', { class: 'confusion', id: 'me-confusion' },
        el('tr', {}, el('th'), el('th', { i18n: 'said_lens' }), el('th', { i18n: 'said_not' })),
        el('tr', {}, el('th', { i18n: 'truth_lens' }), el('td', { id: 'me-tp' }, c.tp), el('td', { id: 'me-fn' }, c.fn)),
        el('tr', {}, el('th', { i18n: 'truth_not' }), el('td', { id: 'me-fp' }, c.fp), el('td', { id: 'me-tn' }, c.tn)))),
      el('div', {}, el('h2', { i18n: 'history' }), m.history.length ? chart(m.history) : el('p', { i18n: 'none' }))),
    el('h2', { i18n: 'decisions' }),
    el('table', { id: 'me-decisions' }, el('tr', {}, ...['when', 'image', 'answer', 'kind', 'result'].map(k => el('th', { i18n: k }))),
      ...m.decisions.slice(0, 200).map(d => el('tr', {}, el('td', {}, when(d.at)), el('td', {}, el('img', { class: 'thumb', src: d.image_url, alt: '' })),
        el('td', {}, t(d.label === 1 ? 'lens' : 'not_lens')), el('td', {}, t(d.training ? 'training' : 'unknown')),
        el('td', { class: d.correct === true ? 'ok' : d.correct === false ? 'error' : '' }, d.correct === null ? '' : t(d.correct ? 'right' : 'wrong'))))));
  translate();
}
startPage(render);
document.addEventListener('langchange', render);
