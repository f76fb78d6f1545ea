// The Starlight site the publish tests build (tests/test_site_builds.py). `consolidate publish
// --site starlight` writes redirects.json (Astro `redirects`) and sidebar.json (Starlight
// `sidebar`) beside this file; a site without them builds with Starlight's own sidebar.
import { existsSync, readFileSync } from 'node:fs';
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';

const read = (name, fallback) =>
  existsSync(new URL(name, import.meta.url)) ? JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf-8')) : fallback;
const sidebar = read('./sidebar.json', undefined);

export default defineConfig({
  vite: { resolve: { preserveSymlinks: true } }, // node_modules is a link to the installed one
  redirects: read('./redirects.json', {}),
  integrations: [starlight({ title: 'Published docs', pagefind: false, ...(sidebar ? { sidebar } : {}) })],
});
