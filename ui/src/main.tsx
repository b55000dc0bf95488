import { Component, StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import "./styles.css";

/** A render error shows a message and a reload button instead of a blank page. */
class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (this.state.error !== undefined) {
      return (
        <div className="banner error" role="alert" data-testid="banner" data-kind="error">
          <span>The dashboard hit an error: {this.state.error.message}</span>
          <button type="button" onClick={() => location.reload()}>
            reload
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Boundary>
      <App />
    </Boundary>
  </StrictMode>,
);
