import { Component, type ErrorInfo, type ReactNode } from 'react';

/**
 * Catches what a page throws while it renders (an answer of an unexpected shape, say) and
 * shows it as a problem in the page's place: without it React unmounts the whole console,
 * navigation and sign-out included, and the tab is left blank. Keyed by the address, so
 * another page starts afresh.
 */
export class PageBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('The page failed to render', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="problem" role="alert">
        <strong>This page could not be shown</strong>
        <p>
          It met something it did not expect: {error.message}. The other pages still work; reload
          this one to try again.
        </p>
      </div>
    );
  }
}
