import { Alert } from './Alert';

/** What every page shows while its data loads, and when loading failed (with a retry). */
export const LoadStatus = ({
  state,
  onRetry,
  loadingText = 'Загружаем…',
}: {
  state: { kind: string; message?: string };
  onRetry: () => void;
  loadingText?: string;
}) => (
  <>
    {state.kind === 'loading' && (
      <p class="muted" role="status">
        {loadingText}
      </p>
    )}
    {state.kind === 'failed' && (
      <Alert message={state.message ?? ''}>
        <button type="button" class="btn btn-secondary" onClick={onRetry}>
          Повторить
        </button>
      </Alert>
    )}
  </>
);
