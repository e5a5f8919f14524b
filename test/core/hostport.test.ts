import { describe, expect, it } from 'vitest';
import { parseHostPort } from '../../src/core/hostport.js';

describe('parseHostPort', () => {
  it.each([
    ['registry.example.com', { host: 'registry.example.com', port: undefined, display: 'registry.example.com' }],
    ['registry.example.com:5000', { host: 'registry.example.com', port: 5000, display: 'registry.example.com:5000' }],
    ['127.0.0.1:443', { host: '127.0.0.1', port: 443, display: '127.0.0.1:443' }],
    ['[::1]:5000', { host: '::1', port: 5000, display: '[::1]:5000' }],
    ['[fd00::1]', { host: 'fd00::1', port: undefined, display: '[fd00::1]' }],
    ['localhost', { host: 'localhost', port: undefined, display: 'localhost' }],
  ])('%s', (input, want) => expect(parseHostPort(input)).toEqual(want));

  it.each(['', '..', 'a/b', 'bad..name', 'host:0', 'host:65536', 'host:05000', '::1', '[zz::1]', 'a b', 'host:', '-x.example.com', 'x.example.com:80:80'])(
    'rejects %j',
    (input) => expect(parseHostPort(input)).toBeUndefined(),
  );
});
