#!/usr/bin/env node
// The `govshare` command. The project runs its TypeScript directly through tsx
// (no build step), so the entry point registers tsx's loader and hands over.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
