import { Route, Routes } from 'react-router';
import { RequireAuth, RequirePage } from './auth/guards';
import { AppLayout } from './components/AppLayout';
import { NotFound } from './components/ResultPages';
import { LoginPage } from './pages/LoginPage';
import { HomePage } from './pages/HomePage';
import { ProfilePage } from './pages/ProfilePage';
import { InstitutionsPage } from './pages/InstitutionsPage';
import { MembersPage } from './pages/MembersPage';
import { UsersPage } from './pages/UsersPage';
import { AuditPage } from './pages/AuditPage';
import { PatientsPage } from './pages/PatientsPage';
import { ReferralsPage } from './pages/ReferralsPage';
import { ReferralFormPage } from './pages/ReferralFormPage';
import { ReferralPage } from './pages/ReferralPage';

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route index element={<HomePage />} />
        <Route path="profile" element={<ProfilePage />} />
        <Route path="referrals" element={<RequirePage page="referrals"><ReferralsPage /></RequirePage>} />
        <Route path="referrals/new" element={<RequirePage page="referrals"><ReferralFormPage /></RequirePage>} />
        <Route path="referrals/:id" element={<RequirePage page="referrals"><ReferralPage /></RequirePage>} />
        <Route path="patients" element={<RequirePage page="patients"><PatientsPage /></RequirePage>} />
        <Route path="institutions" element={<RequirePage page="institutions"><InstitutionsPage /></RequirePage>} />
        <Route path="members" element={<RequirePage page="members"><MembersPage /></RequirePage>} />
        <Route path="users" element={<RequirePage page="users"><UsersPage /></RequirePage>} />
        <Route path="audit" element={<RequirePage page="audit"><AuditPage /></RequirePage>} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
