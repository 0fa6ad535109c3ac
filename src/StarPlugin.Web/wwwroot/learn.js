function stage(url, arcUrl, size) {
  const s = el('div', { class: 'stage' }, el('img', { src: url, width: size, height: size, alt: '' }));
  if (arcUrl) s.append(el('img', { class: 'overlay', src: arcUrl, width: size, height: size, alt: '' }));
  return s;
}
async function practice() {
  await ensureSession();
  const r = await api('GET', '/api/teaching');
  const ids = r.data.practice;
  const box = document.getElementById('practice');
  let i = 0, right = 0;
  async function show() {
    if (i >= ids.length) { box.replaceChildren(el('p', { class: 'ok', id: 'practice-done' }, t('practice_done', right, ids.length))); return; }
    const id = ids[i];
    const img = stage('/api/images/' + id, null, 320);
    const fb = el('div', { class: 'feedback', id: 'practice-feedback' });
    const answer = async label => {
      const c = await api('POST', '/api/classifications', { subject_id: id, label });
      if (!c.ok) { fb.textContent = (c.data && c.data.error) || c.status; return; }
      const d = c.data;
      if (d.correct) right++;
      fb.className = 'feedback ' + (d.correct ? 'good' : 'bad');
      fb.textContent = d.truth === 1 ? t(d.correct ? 'fb_sim_lens_right' : 'fb_sim_lens_wrong') : t(d.correct ? 'fb_not_right' : 'fb_not_wrong');
      if (d.arc_url) img.append(el('img', { class: 'overlay', src: d.arc_url, width: 320, height: 320, alt: '' }));
      buttons.replaceChildren(el('button', { class: 'primary', id: 'practice-next', onclick: () => { i++; show(); } }, '→'));
    };
    const buttons = el('div', { class: 'row' }, el('button', { class: 'lens', id: 'practice-lens', onclick: () => answer(1) }, t('lens')), ' ',
      el('button', { class: 'not', id: 'practice-not', onclick: () => answer(0) }, t('not_lens')));
    box.replaceChildren(el('p', { class: 'dim' }, (i + 1) + ' / ' + ids.length), el('div', { class: 'judge' }, img, el('div', { class: 'controls' }, buttons, fb)));
  }
  show();
}
startPage(async () => {
  const r = await api('GET', '/api/teaching');
  const lenses = document.getElementById('lenses'), look = document.getElementById('lookalikes');
  for (const x of r.data.lenses) {
    const s = stage(x.image_url, x.arc_url, 200);
    const toggle = el('label', {}, el('input', { type: 'checkbox', checked: 'checked', onchange: e => { s.querySelector('.overlay').style.display = e.target.checked ? '' : 'none'; } }), ' ', el('span', { i18n: 'learn_show_arc' }));
    lenses.append(el('div', { class: 'example' }, s, toggle));
  }
  for (const x of r.data.lookalikes) look.append(el('div', { class: 'example' }, stage(x.image_url, null, 200), el('div', { i18n: 'cat_' + x.category })));
  translate();
  document.getElementById('practice-start').addEventListener('click', practice);
});
