#!/usr/bin/env node
// zpl2png.js — renders ZPL II (stdin) to a PNG file with Zebrash (the
// zpl-renderer-js wrapper): a real ZPL renderer, used by the label tests.
//   node test/tools/zpl2png.js OUT.png [width_mm height_mm dpmm] < label.zpl
// Writes one PNG per label when the input holds several (OUT-2.png, ...);
// prints the number of labels rendered.
'use strict';
const fs = require('node:fs');
const { ready } = require('zpl-renderer-js');

async function main() {
    const out = process.argv[2];
    if (!out) {
        console.error('usage: zpl2png.js OUT.png [width_mm height_mm dpmm] < label.zpl');
        process.exit(2);
    }
    const w = Number(process.argv[3] || 101.6);
    const h = Number(process.argv[4] || 152.4);
    const dpmm = Number(process.argv[5] || 8);
    const zpl = fs.readFileSync(0, 'utf8');
    const { api } = await ready;
    const labels = await api.zplToBase64MultipleAsync(zpl, w, h, dpmm);
    labels.forEach((b64, i) => {
        const name = i === 0 ? out : out.replace(/\.png$/, '') + '-' + (i + 1) + '.png';
        fs.writeFileSync(name, Buffer.from(b64, 'base64'));
    });
    console.log(labels.length);
    process.exit(0);
}
main().catch((e) => { console.error(String(e)); process.exit(1); });
