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
import { ConsultsPage } from './pages/ConsultsPage';
import { ConsultFormPage } from './pages/ConsultFormPage';
import { ConsultPage } from './pages/ConsultPage';
import { ScheduleBoardPage } from './pages/ScheduleBoardPage';
import { VideoConsultsPage } from './pages/VideoConsultsPage';
import { VideoConsultPage } from './pages/VideoConsultPage';
import { RoundsPage } from './pages/RoundsPage';
import { RoundPage } from './pages/RoundPage';
import { RoundOccurrencePage } from './pages/RoundOccurrencePage';
import { LecturesPage } from './pages/LecturesPage';
import { RoomPage } from './pages/RoomPage';
import { lazy, Suspense } from 'react';
import { Spin } from 'antd';

// The dashboard carries ECharts: loaded on first visit, not with the app.
const DashboardPage = lazy(() => import('./pages/DashboardPage').then((m) => ({ default: m.DashboardPage })));

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
        <Route path="consults" element={<RequirePage page="consults"><ConsultsPage /></RequirePage>} />
        <Route path="consults/new" element={<RequirePage page="consults"><ConsultFormPage /></RequirePage>} />
        <Route path="consults/:id" element={<RequirePage page="consults"><ConsultPage /></RequirePage>} />
        <Route path="video-consults" element={<RequirePage page="videoConsults"><VideoConsultsPage /></RequirePage>} />
        <Route path="video-consults/:id" element={<RequirePage page="videoConsults"><VideoConsultPage /></RequirePage>} />
        <Route path="schedule" element={<RequirePage page="schedule"><ScheduleBoardPage /></RequirePage>} />
        <Route path="rounds" element={<RequirePage page="rounds"><RoundsPage /></RequirePage>} />
        <Route path="rounds/occurrences/:id" element={<RequirePage page="rounds"><RoundOccurrencePage /></RequirePage>} />
        <Route path="rounds/:id" element={<RequirePage page="rounds"><RoundPage /></RequirePage>} />
        <Route path="lectures" element={<RequirePage page="lectures"><LecturesPage /></RequirePage>} />
        <Route path="patients" element={<RequirePage page="patients"><PatientsPage /></RequirePage>} />
        <Route path="dashboard" element={<RequirePage page="dashboard"><Suspense fallback={<Spin />}><DashboardPage /></Suspense></RequirePage>} />
        <Route path="institutions" element={<RequirePage page="institutions"><InstitutionsPage /></RequirePage>} />
        <Route path="members" element={<RequirePage page="members"><MembersPage /></RequirePage>} />
        <Route path="users" element={<RequirePage page="users"><UsersPage /></RequirePage>} />
        <Route path="audit" element={<RequirePage page="audit"><AuditPage /></RequirePage>} />
        {/* video rooms: the hub decides who may enter (consultations, rounds, lectures, ad hoc calls) */}
        <Route path="rooms/:roomId" element={<RoomPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
