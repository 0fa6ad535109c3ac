// StarPlugin Lens Finder: shared page code (header, language, API calls).
'use strict';

const I18N = {
  en: {
    brand: 'StarPlugin Lens Finder', nav_home: 'Home', nav_learn: 'Learn', nav_classify: 'Classify', nav_me: 'My centre', nav_science: 'Science',
    sign_in: 'Sign in', sign_out: 'Sign out', guest: 'guest',
    home_title: 'Find gravitational lenses', home_intro: 'A massive galaxy or cluster bends the light of a galaxy far behind it into arcs, rings and multiple images. Sky surveys hold millions of images: help us find these rare lenses. Learn what they look like, then judge images one at a time. Simulated lenses are mixed in so we can learn how reliable each answer is, and give you feedback.',
    home_learn: 'Learn first', home_classify: 'Start classifying',
    login_title: 'Sign in or sign up', login_have: 'I have an account', login_new: 'New here', name: 'Name', password: 'Password', password_new: 'Password (8 characters or more)',
    do_login: 'Sign in', do_signup: 'Sign up', do_guest: 'Continue as a guest', guest_note: 'Guests classify and are scored the same way; sign up to keep your record.',
    learn_title: 'What a lens looks like', learn_intro: 'A strong lens shows a blue arc, a ring or several images of one background galaxy around a red massive galaxy. The arcs curve around the lens, at a similar distance from its centre.',
    learn_lenses: 'Lenses (simulated arcs added to real images; the yellow line marks the arc)', learn_show_arc: 'Show the arc',
    learn_fools: 'What fools people', learn_fools_intro: 'These are not lenses, but are often taken for one:',
    cat_spiral: 'Spiral arms: they wind out from the centre, they do not curve around it.', cat_ring: 'Ring galaxy: a ring of stars, centred, often with its own colour.',
    cat_merger: 'Mergers: tidal tails are distorted, not concentric.', 'cat_edge-on': 'Edge-on disks: straight and centred on their galaxy.', cat_artefact: 'Artefacts: diffraction spikes, halos and satellite trails from bright stars.',
    practice_title: 'Practice round', practice_intro: 'Five images with answers: judge each and see at once whether you were right.', practice_start: 'Start the practice round',
    practice_done: 'Practice done: {0} of {1} right. You are ready.',
    classify_title: 'Is this a gravitational lens?', lens: 'Lens', not_lens: 'Not a lens', skip: 'Skip', brighter: 'Brighter', zoom: 'Zoom', report: 'Report a problem',
    keys_help: 'Keys: L lens, N not a lens, S skip, B brighter, Z zoom. Click the image to mark the arc (optional).',
    fb_sim_lens_right: 'Right! That was a simulated lens: here is the arc.', fb_sim_lens_wrong: 'That was a simulated lens: here is the arc.',
    fb_not_right: 'Right: that one is known not to be a lens.', fb_not_wrong: 'That one is known not to be a lens.',
    fb_hit: 'Your click was on the arc.', fb_miss: 'Your click missed the arc.', fb_unknown: 'Thank you: your answer counts towards this image\'s score.',
    no_more: 'You have seen every image we have for now. Thank you!', report_placeholder: 'What is wrong with this image?', send: 'Send', report_sent: 'Thank you, a scientist will look at it.',
    me_title: 'My centre', classified: 'Classifications', accuracy: 'Accuracy', precision: 'Precision', recall: 'Recall', f1: 'F1',
    skill: 'Skill', p_lens: 'P("lens" | lens)', p_not: 'P("not" | not)', bits: 'Information per decision (bits)', training_votes: 'Answers on training images',
    confusion: 'Confusion matrix (training images)', truth_lens: 'Truly a lens', truth_not: 'Truly not a lens', said_lens: 'You said lens', said_not: 'You said not',
    history: 'History of my skill', decisions: 'My decisions', when: 'When', image: 'Image', answer: 'Answer', kind: 'Kind', result: 'Result',
    training: 'training', unknown: 'search', right: 'right', wrong: 'wrong', arc_clicks: 'Arc clicks on the mark',
    science_title: 'Science', progress: 'Progress', subjects: 'Images', seen: 'Seen', retired_lens: 'Retired as candidates', retired_not: 'Retired as not lenses',
    volunteers: 'Volunteers', active24: 'Active (24 h)', per_hour: 'Classifications in the last hour', candidates: 'Candidates by posterior', rank: 'Rank', posterior: 'Posterior', votes: 'Votes', status: 'Status',
    export_csv: 'Export CSV', export_json: 'Export JSON', plots: 'Plots', reports: 'Reports', import: 'Import', import_labels: 'Labels CSV (file,label[,id][,category])', import_files: 'Cutouts (PNG, JPEG, FITS)',
    import_mocks: 'Mocks to make from label-0 cutouts', do_import: 'Import', vote_history: 'Vote history', volunteer: 'Volunteer', after: 'Posterior after',
    need_scientist: 'This page is for scientists.', need_login: 'Please sign in first.', loading: 'Loading…', none: 'None yet.'
  },
  zh: {
    brand: 'StarPlugin 引力透镜搜寻', nav_home: '首页', nav_learn: '学习', nav_classify: '分类', nav_me: '个人中心', nav_science: '科学',
    sign_in: '登录', sign_out: '退出', guest: '游客',
    home_title: '寻找引力透镜', home_intro: '大质量星系或星系团会把远处背景星系的光弯曲成弧、环和多重像。巡天图像数以百万计：请帮助我们找到这些稀有的透镜。先学习它们的样子，再逐张判断图像。其中混有模拟透镜，用来了解每个答案的可靠程度，并即时给您反馈。',
    home_learn: '先学习', home_classify: '开始分类',
    login_title: '登录或注册', login_have: '我已有账号', login_new: '新用户', name: '用户名', password: '密码', password_new: '密码（至少 8 个字符）',
    do_login: '登录', do_signup: '注册', do_guest: '以游客身份继续', guest_note: '游客同样可以分类并获得评分；注册后可保留记录。',
    learn_title: '透镜是什么样子', learn_intro: '强引力透镜表现为：在红色大质量星系周围出现蓝色的弧、环，或同一背景星系的多个像。弧围绕透镜弯曲，与其中心的距离相近。',
    learn_lenses: '透镜（在真实图像中加入的模拟弧；黄线标出弧的位置）', learn_show_arc: '显示弧',
    learn_fools: '容易误判的情形', learn_fools_intro: '以下都不是透镜，但常被误认为透镜：',
    cat_spiral: '旋臂：从中心向外盘旋，而不是围绕中心弯曲。', cat_ring: '环状星系：恒星组成的环，居中，常有自己的颜色。',
    cat_merger: '并合星系：潮汐尾扭曲，并不同心。', 'cat_edge-on': '侧向盘星系：笔直，以所属星系为中心。', cat_artefact: '伪影：亮星的衍射芒、光晕和卫星轨迹。',
    practice_title: '练习', practice_intro: '五张有答案的图像：逐一判断，立即知道对错。', practice_start: '开始练习',
    practice_done: '练习完成：{1} 张中答对 {0} 张。您已准备好了。',
    classify_title: '这是引力透镜吗？', lens: '是透镜', not_lens: '不是透镜', skip: '跳过', brighter: '增亮', zoom: '放大', report: '报告问题',
    keys_help: '快捷键：L 是透镜，N 不是透镜，S 跳过，B 增亮，Z 放大。可点击图像标出弧的位置（可选）。',
    fb_sim_lens_right: '正确！这是一个模拟透镜：弧在这里。', fb_sim_lens_wrong: '这是一个模拟透镜：弧在这里。',
    fb_not_right: '正确：这张已确认不是透镜。', fb_not_wrong: '这张已确认不是透镜。',
    fb_hit: '您的点击落在弧上。', fb_miss: '您的点击没有落在弧上。', fb_unknown: '谢谢：您的答案计入这张图像的得分。',
    no_more: '目前所有图像您都已看过。谢谢！', report_placeholder: '这张图像有什么问题？', send: '发送', report_sent: '谢谢，科学家会查看。',
    me_title: '个人中心', classified: '分类次数', accuracy: '准确率', precision: '精确率', recall: '召回率', f1: 'F1',
    skill: '技能', p_lens: 'P(“透镜”|透镜)', p_not: 'P(“非透镜”|非透镜)', bits: '每次判断的信息量（比特）', training_votes: '训练图像上的回答',
    confusion: '混淆矩阵（训练图像）', truth_lens: '实为透镜', truth_not: '实非透镜', said_lens: '您答透镜', said_not: '您答非透镜',
    history: '技能变化', decisions: '我的判断', when: '时间', image: '图像', answer: '答案', kind: '类型', result: '结果',
    training: '训练', unknown: '搜寻', right: '正确', wrong: '错误', arc_clicks: '点中弧的次数',
    science_title: '科学', progress: '进度', subjects: '图像', seen: '已看过', retired_lens: '退役为候选', retired_not: '退役为非透镜',
    volunteers: '志愿者', active24: '活跃（24 小时）', per_hour: '最近一小时的分类数', candidates: '按后验概率排序的候选', rank: '排名', posterior: '后验概率', votes: '票数', status: '状态',
    export_csv: '导出 CSV', export_json: '导出 JSON', plots: '图表', reports: '问题报告', import: '导入', import_labels: '标签 CSV（file,label[,id][,category]）', import_files: '图像（PNG、JPEG、FITS）',
    import_mocks: '由标签 0 图像生成的模拟透镜数', do_import: '导入', vote_history: '投票记录', volunteer: '志愿者', after: '之后的后验',
    need_scientist: '此页面仅供科学家使用。', need_login: '请先登录。', loading: '加载中…', none: '暂无。'
  }
};

let LANG = localStorage.getItem('lf_lang') || ((navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en');
function t(key, ...args) {
  let s = (I18N[LANG] && I18N[LANG][key]) || I18N.en[key] || key;
  args.forEach((a, i) => { s = s.replace('{' + i + '}', a); });
  return s;
}
function translate(root) {
  document.documentElement.lang = LANG === 'zh' ? 'zh-CN' : 'en';
  (root || document).querySelectorAll('[data-i18n]').forEach(el => { el.textContent = t(el.dataset.i18n); });
  (root || document).querySelectorAll('[data-i18n-ph]').forEach(el => { el.placeholder = t(el.dataset.i18nPh); });
  document.querySelectorAll('.lang button').forEach(b => b.classList.toggle('on', b.dataset.lang === LANG));
}
function setLang(l) { LANG = l; localStorage.setItem('lf_lang', l); translate(); document.dispatchEvent(new Event('langchange')); }

let csrfToken = null;
async function csrf() {
  if (!csrfToken) { const r = await fetch('/api/antiforgery'); csrfToken = (await r.json()).token; }
  return csrfToken;
}
async function api(method, url, body) {
  const opts = { method, headers: {} };
  if (method !== 'GET') opts.headers['X-CSRF-TOKEN'] = await csrf();
  if (body instanceof FormData) opts.body = body;
  else if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
  const r = await fetch(url, opts);
  let data = null;
  const type = r.headers.get('content-type') || '';
  if (type.includes('json')) data = await r.json();
  return { status: r.status, ok: r.ok, data };
}

let SESSION = null;
async function loadSession() {
  const r = await api('GET', '/api/session');
  SESSION = r.ok ? r.data : null;
  return SESSION;
}
async function ensureSession() {
  if (SESSION || await loadSession()) return SESSION;
  const r = await api('POST', '/api/session', { guest: true });
  csrfToken = null; // tokens belong to the user they were issued for
  SESSION = r.ok ? r.data : null;
  renderHeader();
  return SESSION;
}
async function signOut() { await api('DELETE', '/api/session'); csrfToken = null; SESSION = null; location.href = '/'; }

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k === 'i18n') e.dataset.i18n = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function pct(x) { return (100 * x).toFixed(1) + '%'; }
function fmt(x, d) { return Number(x).toFixed(d === undefined ? 3 : d); }
function when(ms) { return new Date(ms).toLocaleString(LANG === 'zh' ? 'zh-CN' : 'en-GB'); }

function renderHeader() {
  const page = document.body.dataset.page;
  const links = [['/', 'nav_home', 'home'], ['/learn', 'nav_learn', 'learn'], ['/classify', 'nav_classify', 'classify'], ['/me', 'nav_me', 'me']];
  if (SESSION && SESSION.role === 'scientist') links.push(['/science', 'nav_science', 'science']);
  const nav = el('nav', {}, ...links.map(([href, key, id]) => el('a', { href, i18n: key, class: id === page ? 'active' : '' })));
  const who = el('span', { class: 'who' });
  if (SESSION) {
    who.append(SESSION.guest ? t('guest') + ' #' + SESSION.id + ' · ' : SESSION.name + ' · ');
    who.append(el('a', { href: '#', id: 'signout', i18n: 'sign_out', onclick: e => { e.preventDefault(); signOut(); } }));
    if (SESSION.guest) { who.append(' · '); who.append(el('a', { href: '/login', i18n: 'sign_in' })); }
  } else who.append(el('a', { href: '/login', id: 'signin', i18n: 'sign_in' }));
  const lang = el('span', { class: 'lang' }, el('button', { 'data-lang': 'en', id: 'lang-en', onclick: () => setLang('en') }, 'EN'), el('button', { 'data-lang': 'zh', id: 'lang-zh', onclick: () => setLang('zh') }, '中文'));
  const header = document.querySelector('header');
  header.replaceChildren(el('a', { class: 'brand', href: '/', i18n: 'brand' }), nav, who, lang);
  translate();
}

async function startPage(init) {
  await loadSession();
  renderHeader();
  translate();
  if (init) await init();
}
