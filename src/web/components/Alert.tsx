import type { ComponentChildren } from 'preact';

type AlertProps = {
  id?: string;
  /** Nothing is shown while empty; the live region itself stays in the page so screen readers announce changes. */
  message?: string | null;
  children?: ComponentChildren;
};

/** An error the user must notice: red box, announced at once by screen readers. */
export const Alert = ({ id, message, children }: AlertProps) => (
  <div class="alert-slot" role="alert" id={id}>
    {message ? (
      <div class="alert">
        <p>{message}</p>
        {children}
      </div>
    ) : null}
  </div>
);
