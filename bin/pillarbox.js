#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/; `npm run build` produces it.
require('../dist/server/cli/pillarbox.js');
