// The quick judge: one keystroke per decision, the next image already loaded.
const SIZES = [512, 768];
let current = null, upcoming = null, brighter = false, zoom = 0, click = null, busy = false, count = 0;

async function fetchNext(exclude) {
  const r = await api('GET', '/api/next' + (exclude ? '?exclude=' + exclude : ''));
  if (r.status === 204 || !r.ok) return null;
  const img = new Image(); img.src = r.data.image_url; // prefetch the pixels too
  return r.data;
}
function size() { return SIZES[zoom]; }
function show(s) {
  current = s; click = null;
  const img = document.getElementById('subject');
  if (!s) { document.getElementById('judge').classList.add('hidden'); document.getElementById('empty').classList.remove('hidden'); return; }
  img.src = brighter ? s.brighter_url : s.image_url;
  img.width = img.height = size();
  img.dataset.subject = s.subject_id;
  document.getElementById('marker').classList.add('hidden');
  document.getElementById('counter').textContent = count > 0 ? t('classified') + ': ' + count : '';
}
async function advance() {
  const next = upcoming || await fetchNext(current && current.subject_id);
  upcoming = null;
  show(next);
  if (next) fetchNext(next.subject_id).then(u => { upcoming = u; });
}
async function answer(label) {
  if (!current || busy) return;
  busy = true;
  const body = { subject_id: current.subject_id, label };
  if (click) { body.x = click.x; body.y = click.y; }
  const r = await api('POST', '/api/classifications', body);
  busy = false;
  const fb = document.getElementById('feedback');
  if (!r.ok && r.status !== 409) { fb.className = 'feedback bad'; fb.textContent = (r.data && r.data.error) || ('HTTP ' + r.status); return; }
  count++;
  const d = r.data;
  const judged = current;
  if (d && d.training) {
    // Feedback at once, beside the next image: the decision still costs one keystroke.
    fb.className = 'feedback ' + (d.correct ? 'good' : 'bad');
    let text = d.truth === 1 ? t(d.correct ? 'fb_sim_lens_right' : 'fb_sim_lens_wrong') : t(d.correct ? 'fb_not_right' : 'fb_not_wrong');
    if (d.hit === true) text += ' ' + t('fb_hit'); else if (d.hit === false) text += ' ' + t('fb_miss');
    const thumb = el('div', { class: 'stage' }, el('img', { src: brighter ? judged.brighter_url : judged.image_url, width: 240, height: 240, alt: '' }));
    if (d.arc_url) thumb.append(el('img', { class: 'overlay', id: 'feedback-arc', src: d.arc_url, width: 240, height: 240, alt: '' }));
    fb.replaceChildren(el('div', { id: 'feedback-text' }, text), thumb);
  } else if (d) {
    fb.className = 'feedback'; fb.replaceChildren(el('div', { id: 'feedback-text' }, t('fb_unknown')));
  }
  await advance();
}
function toggleBright() { brighter = !brighter; if (current) document.getElementById('subject').src = brighter ? current.brighter_url : current.image_url; }
function toggleZoom() {
  zoom = (zoom + 1) % SIZES.length;
  for (const id of ['subject']) { const e = document.getElementById(id); e.width = e.height = size(); }
  placeMarker();
}
function placeMarker() {
  const m = document.getElementById('marker');
  if (!click || !current) { m.classList.add('hidden'); return; }
  m.style.left = (click.x / current.width * size()) + 'px'; m.style.top = (click.y / current.height * size()) + 'px';
  m.classList.remove('hidden');
}
startPage(async () => {
  await ensureSession();
  document.getElementById('btn-lens').onclick = () => answer(1);
  document.getElementById('btn-not').onclick = () => answer(0);
  document.getElementById('btn-skip').onclick = () => advance();
  document.getElementById('btn-bright').onclick = toggleBright;
  document.getElementById('btn-zoom').onclick = toggleZoom;
  document.getElementById('btn-report').onclick = () => document.getElementById('report-box').classList.toggle('hidden');
  document.getElementById('report-send').onclick = async () => {
    const r = await api('POST', '/api/reports', { subject_id: current.subject_id, comment: document.getElementById('report-text').value });
    document.getElementById('feedback').textContent = r.ok ? t('report_sent') : ((r.data && r.data.error) || r.status);
    if (r.ok) { document.getElementById('report-text').value = ''; document.getElementById('report-box').classList.add('hidden'); }
  };
  document.getElementById('stage').addEventListener('click', e => {
    if (!current) return;
    const rect = document.getElementById('subject').getBoundingClientRect();
    click = { x: (e.clientX - rect.left) / rect.width * current.width, y: (e.clientY - rect.top) / rect.height * current.height };
    placeMarker();
  });
  document.addEventListener('keydown', e => {
    if (e.target.tagName === 'TEXTAREA' || e.target.tagName === 'INPUT' || e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key.toLowerCase();
    if (k === 'l' || k === '1') answer(1);
    else if (k === 'n' || k === '0') answer(0);
    else if (k === 's') advance();
    else if (k === 'b') toggleBright();
    else if (k === 'z') toggleZoom();
  });
  await advance();
});
