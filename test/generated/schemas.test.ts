// The result shapes modules share (drift, boot, hooks) are one declaration in schemas/shared.json, so they cannot drift apart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ltspImageSchema } from '../../src/generated/ltsp_image.js';
import { ltspImageInfoSchema } from '../../src/generated/ltsp_image_info.js';
import { ltspImageRevertSchema } from '../../src/generated/ltsp_image_revert.js';
import { projectRoot } from '../helpers/run-module.js';

type Node = Record<string, unknown>;
const at = (node: unknown, ...keys: string[]): Node => keys.reduce((n, k) => (n as Node)[k], node) as Node;
const shape = (node: Node) => ({ properties: node.properties, required: node.required });

describe('shared result shapes', () => {
  const image = at(ltspImageSchema, 'definitions', 'result', 'properties');
  const info = at(ltspImageInfoSchema, 'definitions', 'result', 'properties', 'images', 'items', 'properties');
  const shared = JSON.parse(fs.readFileSync(path.join(projectRoot, 'schemas', 'shared.json'), 'utf8')) as Node;

  it('hooks: ltsp_image and ltsp_image_revert return the one shape of schemas/shared.json', () => {
    const revert = at(ltspImageRevertSchema, 'definitions', 'result', 'properties');
    for (const schema of [image, revert]) assert.deepEqual(at(schema, 'hooks').items, at(shared, 'hooks').items);
  });

  for (const name of ['drift', 'boot']) {
    it(`${name}: ltsp_image and ltsp_image_info return the one shape of schemas/shared.json`, () => {
      assert.deepEqual(shape(at(image, name)), shape(at(shared, name)));
      assert.deepEqual(shape(at(info, name)), shape(at(shared, name)));
      for (const file of ['ltsp_image', 'ltsp_image_info']) {
        const text = fs.readFileSync(path.join(projectRoot, 'schemas', `${file}.schema.json`), 'utf8');
        assert.ok(text.includes(`"$ref": "shared.json#/${name}"`), `schemas/${file}.schema.json refers to the shared ${name} shape instead of a copy`);
      }
    });
  }
});
