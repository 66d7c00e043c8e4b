import { render } from 'preact';
import { createTauriBackend } from './api';
import { App } from './app/App';
import './styles/index.css';

const root = document.getElementById('app');
if (!root) throw new Error('index.html must contain <div id="app">');
render(<App backend={createTauriBackend()} />, root);
