import { describeCapabilities } from '../devices/sane/capabilities';
import { parseOptions } from '../devices/sane/options';
import { planScan } from '../devices/sane/plan';

// What `scanimage -A` prints for two common kinds of document scanner (abridged from sane-backends 1.1).
const FUJITSU = `
All options specific to device \`fujitsu:fi-7160:1234':
  Standard:
    --source ADF Front|ADF Back|ADF Duplex [ADF Front]
        Selects the scan source (such as a document-feeder).
    --mode Lineart|Halftone|Gray|Color [Lineart]
        Selects the scan mode (e.g., lineart, monochrome, or color).
    --resolution 50..600dpi (in steps of 1) [600]
        Sets the resolution of the scanned image.
  Geometry:
    -l 0..215.872mm (in steps of 0.0211639) [0]
    -x 0..215.872mm (in steps of 0.0211639) [215.872]
    --page-width 0..224.846mm (in steps of 0.0211639) [215.872]
  Advanced:
    --swskip 0..100% (in steps of 0.00999451) [0]
    --buffermode[=(yes|no)] [no] [advanced]
`;

const EPSON = `
All options specific to device \`epson2:net:192.168.1.20':
  Scan Mode:
    --mode Lineart|Gray|Color [Lineart]
    --resolution 75|150|300|600|1200dpi [75]
    --source Flatbed|Automatic Document Feeder [Flatbed]
    --adf-mode Simplex|Duplex [inactive]
    --eject [inactive]
  Optional equipment:
    --detect-doc-size[=(yes|no)] [inactive]
`;

const BROTHER = `
    --mode Black & White|Gray[Error Diffusion]|True Gray|24bit Color[Fast]|24bit Color [24bit Color]
    --resolution 100|150|200|300|400|600|1200|2400|4800|9600dpi [200]
    --source FlatBed|Automatic Document Feeder(left aligned)|Automatic Document Feeder(centrally aligned) [Automatic Document Feeder(left aligned)]
`;

describe('reading scanimage -A output', () => {
  test('a sheet-fed duplex scanner offers the feeder with and without duplex, and its modes by name', () => {
    const caps = describeCapabilities('fi', parseOptions(FUJITSU));

    expect(caps.description).toMatchObject({
      resolutions: { range: { min: 50, max: 600, step: 1 } },
      modes: ['colour', 'grey', 'lineart'],
      sources: ['adf'],
      duplex: true,
      defaults: { resolution: 600, mode: 'lineart', source: 'adf' },
    });
    expect(caps.options.get('buffermode')).toMatchObject({ constraint: { kind: 'bool' }, current: 'no' });
    expect(caps.options.get('x')).toMatchObject({ flag: '-x', constraint: { kind: 'range', min: 0, max: 215.872 }, unit: 'mm' });

    const plan = planScan(caps, { duplex: true, mode: 'colour', resolution: 300 });

    expect(plan).toMatchObject({ source: 'adf', duplex: true, mode: 'colour', resolution: 300 });
    expect(plan.args).toEqual(['--source=ADF Duplex', '--mode=Color', '--resolution=300']);
  });

  test('a flatbed with a feeder switches duplex through its adf-mode option', () => {
    const caps = describeCapabilities('epson', parseOptions(EPSON));

    expect(caps.description).toMatchObject({
      resolutions: { values: [75, 150, 300, 600, 1200] },
      sources: ['flatbed', 'adf'],
      duplex: true,
    });
    expect(planScan(caps, { source: 'adf' }).args).toEqual(['--source=Automatic Document Feeder', '--adf-mode=Simplex']);
    expect(planScan(caps, { source: 'adf', duplex: true }).args).toEqual(['--source=Automatic Document Feeder', '--adf-mode=Duplex']);
    expect(planScan(caps, {}).args).toEqual(['--source=Flatbed']);
    expect(() => planScan(caps, { source: 'flatbed', duplex: true })).toThrow('duplex only from the document feeder');
    expect(() => planScan(caps, { resolution: 200 })).toThrow('75 dpi, 150 dpi, 300 dpi, 600 dpi, 1200 dpi');
  });

  test('mode names with brackets and spaces are read whole, and dithered modes are not taken for line art', () => {
    const caps = describeCapabilities('brother', parseOptions(BROTHER));

    expect(caps.options.get('mode')).toMatchObject({ current: '24bit Color' });
    expect(caps.modeValues).toEqual({ lineart: 'Black & White', grey: 'True Gray', colour: '24bit Color' });
    expect(caps.description.sources).toEqual(['flatbed', 'adf']);
    expect(planScan(caps, { source: 'adf', mode: 'grey' }).args).toEqual([
      '--source=Automatic Document Feeder(left aligned)',
      '--mode=True Gray',
    ]);
  });
});
