function card(key, value, id) { return el('div', { class: 'card' }, el('div', { class: 'v', id }, value), el('div', { class: 'k', i18n: key })); }
async function history(id, row) {
  const r = await api('GET', '/api/subjects/' + id);
  if (!r.ok) return;
  const d = r.data;
  const table = el('table', {}, el('tr', {}, ...['when', 'volunteer', 'answer', 'after'].map(k => el('th', { i18n: k }))),
    ...d.history.map(v => el('tr', {}, el('td', {}, when(v.at)), el('td', {}, v.volunteer_name), el('td', {}, t(v.label === 1 ? 'lens' : 'not_lens')),
      el('td', {}, v.posterior_after === null ? '' : Number(v.posterior_after).toPrecision(3)))));
  row.after(el('tr', { class: 'history' }, el('td', { colspan: 6 }, el('strong', { i18n: 'vote_history' }), table)));
  translate();
}
async function render() {
  const box = document.getElementById('science');
  const p = await api('GET', '/api/progress');
  if (!p.ok) { box.replaceChildren(el('p', { i18n: p.status === 403 ? 'need_scientist' : 'need_login' })); translate(); return; }
  const g = p.data;
  const c = await api('GET', '/api/candidates?limit=50');
  const reports = await api('GET', '/api/reports');
  const importForm = el('form', { class: 'stack', id: 'import-form' },
    el('label', { i18n: 'import_labels' }), el('input', { type: 'file', name: 'labels', accept: '.csv,text/csv' }),
    el('label', { i18n: 'import_files' }), el('input', { type: 'file', name: 'files', multiple: 'multiple' }),
    el('label', { i18n: 'import_mocks' }), el('input', { type: 'number', name: 'mocks', value: '0', min: '0' }),
    el('button', { class: 'primary', i18n: 'do_import' }), el('div', { class: 'error', id: 'import-result' }));
  importForm.addEventListener('submit', async e => {
    e.preventDefault();
    const r = await api('POST', '/api/import', new FormData(importForm));
    const out = document.getElementById('import-result');
    out.className = r.ok ? 'ok' : 'error';
    out.textContent = r.ok ? JSON.stringify(r.data) : ((r.data && r.data.error) || ('HTTP ' + r.status));
  });
  box.replaceChildren(
    el('h2', { i18n: 'progress' }),
    el('div', { class: 'cards' }, card('subjects', g.subjects, 'sci-subjects'), card('seen', g.seen + ' / ' + g.unknown, 'sci-seen'), card('retired_lens', g.retired_lens, 'sci-retired-lens'),
      card('retired_not', g.retired_not_lens, 'sci-retired-not'), card('volunteers', g.volunteers, 'sci-volunteers'), card('active24', g.active_volunteers, 'sci-active'),
      card('classified', g.classifications, 'sci-classifications'), card('per_hour', g.classifications_last_hour, 'sci-per-hour')),
    el('h2', { i18n: 'candidates' }),
    el('p', {}, el('a', { class: 'button', id: 'export-csv', href: '/api/candidates?format=csv&limit=100000', i18n: 'export_csv' }), ' ',
      el('a', { class: 'button', id: 'export-json', href: '/api/candidates?format=json&limit=100000', i18n: 'export_json' })),
    el('table', { id: 'candidates' }, el('tr', {}, ...['rank', 'image', 'posterior', 'votes', 'status', 'vote_history'].map(k => el('th', { i18n: k }))),
      ...c.data.map(x => {
        const row = el('tr', {}, el('td', {}, x.rank), el('td', {}, el('img', { class: 'thumb', src: x.image_url, alt: x.key }), ' ', el('span', { class: 'dim' }, x.key)),
          el('td', {}, Number(x.posterior).toPrecision(3)), el('td', {}, x.votes), el('td', {}, x.status));
        row.append(el('td', {}, el('button', { onclick: e => { e.target.disabled = true; history(x.subject_id, row); } }, '▸')));
        return row;
      })),
    el('h2', { i18n: 'plots' }),
    el('div', { class: 'grid2' }, el('img', { class: 'plot', src: '/api/plots/skill.svg', alt: 'skill' }), el('img', { class: 'plot', src: '/api/plots/posterior.svg', alt: 'posterior' })),
    el('h2', { i18n: 'reports' }),
    reports.data.length ? el('table', {}, ...reports.data.map(r => el('tr', {}, el('td', {}, when(r.at)), el('td', {}, el('img', { class: 'thumb', src: '/api/images/' + r.subject_id, alt: '' })), el('td', {}, r.comment))))
      : el('p', { i18n: 'none' }),
    el('h2', { i18n: 'import' }), importForm);
  translate();
}
startPage(render);
document.addEventListener('langchange', () => translate());
