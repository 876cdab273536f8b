import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { formatRubles } from '../../../core/money';

/**
 * The signed individual terms as a PDF with Cyrillic text (DejaVu Sans, embedded). Page 1 opens
 * with the ПСК box in the top-right corner — black capitals on white, framed, about 6 % of the
 * page — then the text exactly as signed (its SHA-256 is printed at the end).
 */

const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const REGULAR = join(FONT_DIR, 'DejaVuSans.ttf');
const BOLD = join(FONT_DIR, 'DejaVuSans-Bold.ttf');

export type ContractPdfInput = {
  number: string;
  text: string;
  sha256: string;
  pskPercent: number;
  pskKopecks: number;
  signedAt: Date;
  signerPhoneMasked: string;
};

const percent = (value: number) => `${new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(value)} %`;

/** An A4 document with the Cyrillic fonts registered; `done` resolves to the bytes after `end()`. */
function startPdf(title: string, createdAt: Date) {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 40, bottom: 40, left: 48, right: 48 },
    info: { Title: title, Author: 'CarCapital', CreationDate: createdAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  return { doc, done };
}

const plain = (text: string) => text.replace(/\u00a0|\u202f/g, ' ');

export type DocumentPdfInput = {
  title: string;
  heading: string;
  /** Label → value lines, in order. */
  facts: [string, string][];
  paragraphs?: string[];
  table?: { columns: string[]; widths: number[]; rows: string[][] };
  footer: string;
  createdAt: Date;
};

/** Receipts, the closing certificate, the history export: a heading, facts, text, a table. */
export async function renderDocumentPdf(input: DocumentPdfInput): Promise<Buffer> {
  const { doc, done } = startPdf(input.title, input.createdAt);
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.fillColor('#000000').font('bold').fontSize(15).text(plain(input.heading), left, doc.page.margins.top, { width });
  doc.moveDown(0.8);
  for (const [label, value] of input.facts) {
    doc.font('regular').fontSize(10).fillColor('#333333').text(`${plain(label)}: `, { continued: true }).font('bold').fillColor('#000000').text(plain(value));
  }
  for (const paragraph of input.paragraphs ?? []) {
    doc.moveDown(0.6);
    doc.font('regular').fontSize(10).fillColor('#000000').text(plain(paragraph), left, undefined, { width });
  }
  if (input.table) {
    doc.moveDown(1);
    const { columns, widths, rows } = input.table;
    const drawRow = (cells: string[], font: 'regular' | 'bold') => {
      const y = doc.y;
      let x = left;
      let bottom = y;
      cells.forEach((cell, index) => {
        doc.font(font).fontSize(8.5).text(plain(cell), x, y, { width: widths[index]! - 6 });
        bottom = Math.max(bottom, doc.y);
        x += widths[index]!;
      });
      doc.y = bottom + 3;
      if (doc.y > doc.page.height - doc.page.margins.bottom - 30) doc.addPage();
    };
    drawRow(columns, 'bold');
    for (const row of rows) drawRow(row, 'regular');
  }
  doc.moveDown(1.5);
  doc.font('regular').fontSize(8).fillColor('#333333').text(plain(input.footer), left, undefined, { width });
  doc.end();
  return done;
}

export async function renderContractPdf(input: ContractPdfInput): Promise<Buffer> {
  const { doc, done } = startPdf(`Индивидуальные условия ${input.number}`, input.signedAt);

  // The ПСК box: top-right, 230 × 140 pt (≈ 6.5 % of an A4 page).
  const boxWidth = 230;
  const boxHeight = 140;
  const boxX = doc.page.width - doc.page.margins.right - boxWidth;
  const boxY = doc.page.margins.top;
  doc.lineWidth(2).rect(boxX, boxY, boxWidth, boxHeight).stroke('#000000');
  doc.fillColor('#000000').font('bold').fontSize(11).text('ПОЛНАЯ СТОИМОСТЬ ЗАЙМА', boxX + 12, boxY + 14, { width: boxWidth - 24, align: 'center' });
  doc.fontSize(22).text(`${percent(input.pskPercent)} ГОДОВЫХ`, boxX + 12, boxY + 44, { width: boxWidth - 24, align: 'center' });
  doc.fontSize(18).text(formatRubles(input.pskKopecks).replace(/\u00a0/g, ' '), boxX + 12, boxY + 96, { width: boxWidth - 24, align: 'center' });

  // The text as signed, without its plain-text rendering of the box (the first lines).
  const body = input.text.split('\n').filter((line) => !/^[┌│└]/.test(line));
  doc.font('bold').fontSize(13).text(`Договор № ${input.number}`, doc.page.margins.left, boxY, { width: boxX - doc.page.margins.left - 16 });
  doc.moveDown(0.5);
  doc.font('regular').fontSize(9).text('Подписан простой электронной подписью заёмщика', { width: boxX - doc.page.margins.left - 16 });
  doc.y = boxY + boxHeight + 20;
  doc.font('regular').fontSize(10);
  for (const line of body) {
    if (line.trim() === '') {
      doc.moveDown(0.4);
      continue;
    }
    doc.font(line.startsWith('ИНДИВИДУАЛЬНЫЕ') ? 'bold' : 'regular').text(line.replace(/\u00a0/g, ' '), doc.page.margins.left, undefined, {
      width: doc.page.width - doc.page.margins.left - doc.page.margins.right,
    });
  }
  doc.moveDown(1);
  doc.font('regular').fontSize(8).fillColor('#333333').text(
    `Подписано: ${input.signedAt.toISOString()} · телефон ${input.signerPhoneMasked} · SHA-256 текста: ${input.sha256}`,
  );
  doc.end();
  return done;
}
