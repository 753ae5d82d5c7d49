import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App as AntApp } from 'antd';
import { I18nProvider } from './i18n/I18nProvider';
import { AuthProvider } from './auth/AuthProvider';
import { AppRoutes } from './App';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <I18nProvider>
        <AntApp>
          <AuthProvider>
            <AppRoutes />
          </AuthProvider>
        </AntApp>
      </I18nProvider>
    </BrowserRouter>
  </StrictMode>,
);
