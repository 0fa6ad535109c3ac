startPage(async () => {
  const r = await api('GET', '/api/teaching');
  if (!r.ok) return;
  const g = document.getElementById('gallery');
  for (const x of r.data.lenses.concat(r.data.lookalikes).slice(0, 4)) g.append(el('img', { src: x.image_url, width: 160, height: 160, alt: '' }));
});
