import { Fragment } from 'preact';
import './document-text.css';

/** Lines drawn only with box-drawing characters: the frame of the ПСК box. */
const FRAME_LINE = /^[\u2500-\u257f]+$/;

/**
 * A document's exact text as it will be signed (the contract, an addendum), in a scrolling region
 * named by `labelledBy`. Its paragraphs wrap to the screen; the frame lines never do (a broken frame
 * reads as garbage on a phone): they run on, and the block scrolls sideways to show them.
 */
export const DocumentText = ({ text, labelledBy }: { text: string; labelledBy: string }) => (
  <pre class="contract-text" tabIndex={0} role="region" aria-labelledby={labelledBy}>
    {text.split('\n').map((line, index) => (
      <Fragment key={index}>
        {index > 0 && '\n'}
        {FRAME_LINE.test(line) ? <span class="contract-frame">{line}</span> : line}
      </Fragment>
    ))}
  </pre>
);
