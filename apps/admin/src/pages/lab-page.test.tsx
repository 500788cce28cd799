import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import fixture from '../lab/fixtures/lab-report.json' with { type: 'json' };
import { LabPage } from './lab-page.tsx';

const file = (name: string, text: string) => new File([text], name, { type: 'application/json' });

describe('LabPage', () => {
  it('shows each claim with its verdict and each scenario with its tables', async () => {
    render(<LabPage />);
    await userEvent.upload(
      screen.getByLabelText('Lab result file (JSON)'),
      file('lab.json', JSON.stringify(fixture)),
    );
    const claims = await screen.findByRole('region', { name: 'Claims' });
    expect(claims.textContent).toContain('Did not hold');
    expect(screen.getByRole('heading', { name: 'Point-to-point latency' })).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Latency (ms)' })).toBeTruthy();
  });

  it('says what is wrong with a file that is not a lab result', async () => {
    render(<LabPage />);
    await userEvent.upload(screen.getByLabelText('Lab result file (JSON)'), file('x.json', '[]'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('x.json could not be shown');
    expect(alert.textContent).toContain('This is not a lab result');
  });
});
