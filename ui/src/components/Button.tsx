import type { ButtonHTMLAttributes, ComponentChildren, TargetedMouseEvent } from 'preact';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

export type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'loading'> & {
  variant?: ButtonVariant;
  size?: 'normal' | 'small';
  /**
   * Work is under way: the button shows a spinner, announces itself busy and ignores clicks, but
   * keeps keyboard focus (it is `aria-disabled`, not `disabled`, so focus does not jump away).
   */
  loading?: boolean;
  children: ComponentChildren;
};

export function Button({
  variant = 'secondary',
  size = 'normal',
  loading = false,
  type = 'button',
  class: className,
  onClick,
  children,
  ...rest
}: ButtonProps) {
  const classes = ['btn', `btn--${variant}`, size === 'small' ? 'btn--small' : '', className ?? '']
    .filter(Boolean)
    .join(' ');

  const handleClick = (event: TargetedMouseEvent<HTMLButtonElement>) => {
    if (loading) {
      event.preventDefault();
      return;
    }
    onClick?.(event);
  };

  return (
    <button
      {...rest}
      type={type}
      class={classes}
      aria-busy={loading ? 'true' : undefined}
      aria-disabled={loading ? 'true' : rest['aria-disabled']}
      onClick={handleClick}
    >
      {loading && <span class="btn__spinner" aria-hidden="true" />}
      <span class="btn__label">{children}</span>
    </button>
  );
}
