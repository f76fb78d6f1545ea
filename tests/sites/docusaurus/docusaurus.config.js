// The Docusaurus site the publish tests build (tests/test_site_builds.py). `consolidate publish
// --site docusaurus` writes redirects.json (@docusaurus/plugin-client-redirects) and sidebars.json
// beside this file; broken links, anchors and markdown links fail the build.
const fs = require('fs');
const path = require('path');

const read = (name, fallback) => {
  const file = path.join(__dirname, name);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf-8')) : fallback;
};

module.exports = {
  title: 'Published docs',
  url: 'https://docs.example.invalid',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  onBrokenAnchors: 'throw',
  markdown: { format: 'detect', hooks: { onBrokenMarkdownLinks: 'throw' } },
  presets: [['classic', { docs: { sidebarPath: path.join(__dirname, 'sidebars.js') }, blog: false }]],
  plugins: [['@docusaurus/plugin-client-redirects', { redirects: read('redirects.json', []) }]],
  themeConfig: { navbar: { title: 'Published docs', logo: undefined, items: [] } },
};
