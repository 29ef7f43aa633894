import { parseWedgeInput } from '../devices';

const at = new Date('2024-05-06T07:08:09Z');

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the input to be rejected');
}

describe('keyboard-wedge input', () => {
  test.each([
    ['one code with Enter', 'SB2024-000123\n', ['SB2024-000123']],
    ['the last code without its Enter', 'SB2024-000123', ['SB2024-000123']],
    ['codes ended by CR, LF and CRLF alike', 'A-1\rA-2\nA-3\r\nA-4\r\n', ['A-1', 'A-2', 'A-3', 'A-4']],
    ['blank lines and surrounding spaces', '\n  A-1  \n\n \n', ['A-1']],
    ['an archival reference code with its middle dot', 'J001-SB·2024-D30-YL-0123\n', ['J001-SB·2024-D30-YL-0123']],
    ['Chinese text from a QR code', '张三|110101199003077777\n', ['张三|110101199003077777']],
    ['nothing at all', '', []],
  ])('%s', (_, text, codes) => {
    expect(parseWedgeInput(text, { at, readerId: 'window-3' })).toEqual(codes.map((code) => ({ text: code, readerId: 'window-3', at })));
  });

  test('a tab suffix splits at tabs as well as at Enter', () => {
    expect(parseWedgeInput('BOX-1\tBOX-2\t\nBOX-3', { suffix: '\t', at }).map((s) => s.text)).toEqual(['BOX-1', 'BOX-2', 'BOX-3']);
  });

  test.each([
    ['a control character from a reader prefix', '\x02SB2024\n', /control character U\+0002 at position 1/],
    ['a tab when the suffix is Enter', 'BOX-1\tBOX-2\n', /Line 1 .*U\+0009 at position 6/],
    ['an escape sequence on the second line', 'A-1\nA\x1b[2\n', /Line 2 .*U\+001B/],
    ['a code longer than allowed', `${'9'.repeat(513)}\n`, /513 characters long; at most 512/],
    ['input longer than allowed', 'A-1\n'.repeat(5000), /20000 characters long; at most 16384/],
  ])('rejects %s with a clear message', (_, text, message) => {
    const err = failure(() => parseWedgeInput(text));
    expect(err.name).toBe('BarcodeInputError');
    expect(err.message).toMatch(message);
  });

  test('rejects input that is not text', () => {
    expect(failure(() => parseWedgeInput({ code: 'A-1' }))).toMatchObject({
      name: 'BarcodeInputError',
      message: 'Barcode input must be text, got object',
    });
    expect(() => parseWedgeInput(null)).toThrow('got null');
  });

  test('limits can be set per reader', () => {
    expect(() => parseWedgeInput('ABCDEF', { maxCodeLength: 5 })).toThrow('at most 5');
    expect(parseWedgeInput('ABCDE', { maxCodeLength: 5 })).toHaveLength(1);
  });
});
